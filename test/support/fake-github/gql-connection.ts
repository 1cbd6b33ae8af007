/** GraphQL connections as GitHub pages them: `first`/`after` or `last`/`before`, at most 100. */
import type { Args, GqlObject } from "./gql-exec.js";
import { FieldError, object } from "./gql-exec.js";

const encode = (offset: number) => Buffer.from(`cursor:v2:${offset}`).toString("base64");

function decode(cursor: unknown): number {
  const match = typeof cursor === "string" ? /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8")) : null;
  if (!match) throw new FieldError(`\`${String(cursor)}\` does not appear to be a valid cursor.`, "INVALID_CURSOR_ARGUMENTS");
  return Number(match[1]);
}

function limit(value: unknown, name: string, field: string): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  if (n > 100) throw new FieldError(`Requesting ${n} records on the \`${name}\` connection exceeds the \`${field}\` limit of 100 records.`, "EXCESSIVE_PAGINATION");
  if (!Number.isInteger(n) || n < 0) throw new FieldError(`\`${field}\` on \`${name}\` cannot be less than zero`);
  return n;
}

/** A connection over `items` (already in GitHub's order); `name` appears in error messages. */
export function connection<T>(name: string, typename: string, items: T[], args: Args, toNode: (item: T) => unknown): GqlObject {
  const first = limit(args.first, name, "first");
  const last = limit(args.last, name, "last");
  if (first === null && last === null) {
    throw new FieldError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`, "MISSING_PAGINATION_BOUNDARIES");
  }
  let start = args.after === undefined || args.after === null ? 0 : decode(args.after) + 1;
  let end = args.before === undefined || args.before === null ? items.length : decode(args.before);
  start = Math.min(start, items.length);
  end = Math.max(start, Math.min(end, items.length));
  if (first !== null) end = Math.min(end, start + first);
  if (last !== null) start = Math.max(start, end - last);
  const offsets = Array.from({ length: end - start }, (_, i) => start + i);
  const hasNextPage = end < items.length;
  const hasPreviousPage = start > 0;
  return object(typename, {
    totalCount: () => items.length,
    nodes: () => offsets.map((i) => toNode(items[i] as T)),
    edges: () => offsets.map((i) => object(`${typename.replace(/Connection$/, "")}Edge`, { cursor: () => encode(i), node: () => toNode(items[i] as T) })),
    pageInfo: () =>
      object("PageInfo", {
        hasNextPage: () => hasNextPage,
        hasPreviousPage: () => hasPreviousPage,
        startCursor: () => (offsets.length ? encode(start) : null),
        endCursor: () => (offsets.length ? encode(end - 1) : null),
      }),
  });
}
