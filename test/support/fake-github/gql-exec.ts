/**
 * Executes a parsed operation over resolver objects, answering exactly the selected fields
 * (aliases, `@include`/`@skip`, fragments on `__typename`). A field a resolver object does not
 * have is refused as GitHub refuses it (`Field 'x' doesn't exist on type 'T'`), which tells a
 * test writer the fake lacks it. Errors thrown by resolvers null the field and are listed with
 * their path, as GraphQL does.
 */
import type { Directive, Document, Selection, Value } from "./gql-parse.js";
import { evaluate } from "./gql-parse.js";

export type Args = Record<string, unknown>;

/** An object of the schema: its type name and one resolver per field it has. */
export interface GqlObject {
  __typename: string;
  fields: Record<string, (args: Args) => unknown>;
}

export interface GqlError {
  message: string;
  type?: string;
  path?: Array<string | number>;
  locations?: Array<{ line: number; column: number }>;
  extensions?: Record<string, unknown>;
}

/** A field error (NOT_FOUND, UNPROCESSABLE, ...): the field answers null. */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly type?: string,
  ) {
    super(message);
  }
}

/** A document error (unknown field, bad argument): the whole answer is `data: null`. */
export class DocumentError extends Error {
  constructor(
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const object = (typename: string, fields: GqlObject["fields"]): GqlObject => ({ __typename: typename, fields });

function isObject(value: unknown): value is GqlObject {
  return typeof value === "object" && value !== null && "fields" in value && "__typename" in value;
}

interface Run {
  doc: Document;
  variables: Record<string, unknown>;
  errors: GqlError[];
}

function included(directives: Directive[], variables: Record<string, unknown>): boolean {
  for (const d of directives) {
    const condition = evaluate(d.args.if ?? { kind: "scalar", value: true }, variables) === true;
    if (d.name === "include" && !condition) return false;
    if (d.name === "skip" && condition) return false;
  }
  return true;
}

/** The field selections that apply to an object of `typename`, fragments flattened. */
function collect(run: Run, typename: string, selections: Selection[], out: Array<Extract<Selection, { kind: "field" }>> = []) {
  for (const s of selections) {
    if (!included(s.directives, run.variables)) continue;
    if (s.kind === "field") out.push(s);
    else if (s.kind === "inline") {
      if (s.typeCondition === null || s.typeCondition === typename) collect(run, typename, s.selections, out);
    } else {
      const fragment = run.doc.fragments.get(s.name);
      if (!fragment) throw new DocumentError(`Fragment ${s.name} was used, but not defined`);
      if (fragment.typeCondition === typename) collect(run, typename, fragment.selections, out);
    }
  }
  return out;
}

function args(raw: Record<string, Value>, variables: Record<string, unknown>): Args {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, evaluate(v, variables)]));
}

function complete(run: Run, value: unknown, selections: Selection[] | null, path: Array<string | number>): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item, i) => complete(run, item, selections, [...path, i]));
  if (!isObject(value)) return value;
  if (!selections) throw new DocumentError(`Field must have selections (field '${path[path.length - 1]}' returns ${value.__typename} but has no selections.)`);
  return executeObject(run, value, selections, path);
}

function executeObject(run: Run, target: GqlObject, selections: Selection[], path: Array<string | number>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of collect(run, target.__typename, selections)) {
    const key = field.alias ?? field.name;
    if (field.name === "__typename") {
      result[key] = target.__typename;
      continue;
    }
    const resolver = target.fields[field.name];
    if (!resolver) {
      throw new DocumentError(`Field '${field.name}' doesn't exist on type '${target.__typename}'`, { code: "undefinedField", typeName: target.__typename, fieldName: field.name });
    }
    try {
      const value = complete(run, resolver(args(field.args, run.variables)), field.selections, [...path, key]);
      const previous = result[key];
      // The same response key selected twice (e.g. through two fragments) merges its sub-fields.
      result[key] = typeof previous === "object" && previous !== null && typeof value === "object" && value !== null ? { ...previous, ...value } : value;
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      result[key] = null;
      run.errors.push({ ...(error.type ? { type: error.type } : {}), path: [...path, key], locations: [{ line: field.line, column: field.column }], message: error.message });
    }
  }
  return result;
}

/** Runs one operation: `{ data, errors? }`, or `{ errors }` alone for a document error. */
export function execute(doc: Document, operationName: string | null, root: { query: GqlObject; mutation: GqlObject }, variables: Record<string, unknown>): { data?: unknown; errors?: GqlError[] } {
  const operation = operationName ? doc.operations.find((o) => o.name === operationName) : doc.operations.length === 1 ? doc.operations[0] : undefined;
  if (!operation) return { errors: [{ message: operationName ? `No operation named "${operationName}"` : "An operation name is required" }] };
  const defaults = Object.fromEntries(Object.entries(operation.defaults).map(([k, v]) => [k, evaluate(v, {})]));
  const run: Run = { doc, variables: { ...defaults, ...variables }, errors: [] };
  try {
    const target = operation.type === "mutation" ? root.mutation : root.query;
    const data = executeObject(run, target, operation.selections, []);
    return run.errors.length ? { data, errors: run.errors } : { data };
  } catch (error) {
    if (error instanceof DocumentError) return { errors: [{ message: error.message, extensions: error.extensions }] };
    throw error;
  }
}
