/**
 * A small GraphQL document parser (operations, fields, aliases, arguments, variables, inline
 * fragments, named fragments, directives): enough for the fake to answer exactly the fields a
 * query asks for. Type checking of variables is left out; unknown fields are refused when the
 * document is executed (gql-exec.ts).
 */

export type Value =
  | { kind: "variable"; name: string }
  | { kind: "scalar"; value: string | number | boolean | null }
  | { kind: "enum"; value: string }
  | { kind: "list"; values: Value[] }
  | { kind: "object"; fields: Record<string, Value> };

export interface Directive {
  name: string;
  args: Record<string, Value>;
}

export type Selection =
  | { kind: "field"; alias: string | null; name: string; args: Record<string, Value>; directives: Directive[]; selections: Selection[] | null; line: number; column: number }
  | { kind: "inline"; typeCondition: string | null; directives: Directive[]; selections: Selection[] }
  | { kind: "spread"; name: string; directives: Directive[] };

export interface Operation {
  type: "query" | "mutation" | "subscription";
  name: string | null;
  /** Default values of the declared variables. */
  defaults: Record<string, Value>;
  selections: Selection[];
}

export interface Document {
  operations: Operation[];
  fragments: Map<string, { typeCondition: string; selections: Selection[] }>;
}

export class GraphqlSyntaxError extends Error {}

interface Token {
  kind: "punct" | "name" | "string" | "number";
  text: string;
  line: number;
  column: number;
}

const PATTERN = /[\s,\uFEFF]+|#[^\n\r]*|"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_]\w*|\.\.\.|[!$():=@[\]{}|&]/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  PATTERN.lastIndex = 0;
  while (PATTERN.lastIndex < source.length) {
    const start = PATTERN.lastIndex;
    const match = PATTERN.exec(source);
    if (!match) throw new GraphqlSyntaxError(`Parse error on "${source[start]}" (line ${line})`);
    const text = match[0];
    const first = text[0] as string;
    const position = { line, column: start - lineStart + 1 };
    if (first === '"') tokens.push({ kind: "string", text, ...position });
    else if (/[-\d]/.test(first)) tokens.push({ kind: "number", text, ...position });
    else if (/[A-Za-z_]/.test(first)) tokens.push({ kind: "name", text, ...position });
    else if (!/[\s,#\uFEFF]/.test(first)) tokens.push({ kind: "punct", text, ...position });
    for (let i = 0; i < text.length; i += 1) {
      if (text[i] === "\n") {
        line += 1;
        lineStart = start + i + 1;
      }
    }
  }
  return tokens;
}

function stringValue(text: string): string {
  if (text.startsWith('"""')) return text.slice(3, -3).replace(/\\"""/g, '"""').trim();
  return JSON.parse(text) as string;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
  private is(text: string): boolean {
    return this.peek()?.text === text && this.peek()?.kind !== "string";
  }
  private take(text?: string): Token {
    const token = this.peek();
    if (!token || (text !== undefined && (token.text !== text || token.kind === "string"))) {
      throw new GraphqlSyntaxError(`Parse error on ${token ? `"${token.text}" (line ${token.line})` : "end of document"}${text ? `: expected "${text}"` : ""}`);
    }
    this.at += 1;
    return token;
  }
  private name(): string {
    const token = this.take();
    if (token.kind !== "name") throw new GraphqlSyntaxError(`Parse error on "${token.text}" (line ${token.line}): expected a name`);
    return token.text;
  }

  document(): Document {
    const doc: Document = { operations: [], fragments: new Map() };
    while (this.peek()) {
      if (this.is("{")) doc.operations.push({ type: "query", name: null, defaults: {}, selections: this.selectionSet() });
      else if (this.is("fragment")) {
        this.take();
        const name = this.name();
        this.take("on");
        const typeCondition = this.name();
        this.directives();
        doc.fragments.set(name, { typeCondition, selections: this.selectionSet() });
      } else doc.operations.push(this.operation());
    }
    return doc;
  }

  private operation(): Operation {
    const type = this.name();
    if (type !== "query" && type !== "mutation" && type !== "subscription") throw new GraphqlSyntaxError(`Parse error on "${type}"`);
    const name = this.peek()?.kind === "name" ? this.name() : null;
    const defaults: Record<string, Value> = {};
    if (this.is("(")) {
      this.take("(");
      while (!this.is(")")) {
        this.take("$");
        const variable = this.name();
        this.take(":");
        this.type();
        if (this.is("=")) {
          this.take("=");
          defaults[variable] = this.value();
        }
        this.directives();
      }
      this.take(")");
    }
    this.directives();
    return { type, name, defaults, selections: this.selectionSet() };
  }

  private type(): void {
    if (this.is("[")) {
      this.take("[");
      this.type();
      this.take("]");
    } else this.name();
    if (this.is("!")) this.take("!");
  }

  private selectionSet(): Selection[] {
    this.take("{");
    const selections: Selection[] = [];
    while (!this.is("}")) selections.push(this.selection());
    this.take("}");
    return selections;
  }

  private selection(): Selection {
    if (this.is("...")) {
      this.take("...");
      if (this.is("on")) {
        this.take("on");
        const typeCondition = this.name();
        return { kind: "inline", typeCondition, directives: this.directives(), selections: this.selectionSet() };
      }
      if (this.is("@") || this.is("{")) return { kind: "inline", typeCondition: null, directives: this.directives(), selections: this.selectionSet() };
      return { kind: "spread", name: this.name(), directives: this.directives() };
    }
    const start = this.peek() as Token;
    let name = this.name();
    let alias: string | null = null;
    if (this.is(":")) {
      this.take(":");
      alias = name;
      name = this.name();
    }
    const args = this.is("(") ? this.arguments() : {};
    const directives = this.directives();
    const selections = this.is("{") ? this.selectionSet() : null;
    return { kind: "field", alias, name, args, directives, selections, line: start.line, column: start.column };
  }

  private arguments(): Record<string, Value> {
    this.take("(");
    const args: Record<string, Value> = {};
    while (!this.is(")")) {
      const name = this.name();
      this.take(":");
      args[name] = this.value();
    }
    this.take(")");
    return args;
  }

  private directives(): Directive[] {
    const list: Directive[] = [];
    while (this.is("@")) {
      this.take("@");
      list.push({ name: this.name(), args: this.is("(") ? this.arguments() : {} });
    }
    return list;
  }

  private value(): Value {
    const token = this.take();
    if (token.kind === "string") return { kind: "scalar", value: stringValue(token.text) };
    if (token.kind === "number") return { kind: "scalar", value: Number(token.text) };
    if (token.text === "$") return { kind: "variable", name: this.name() };
    if (token.text === "[") {
      const values: Value[] = [];
      while (!this.is("]")) values.push(this.value());
      this.take("]");
      return { kind: "list", values };
    }
    if (token.text === "{") {
      const fields: Record<string, Value> = {};
      while (!this.is("}")) {
        const name = this.name();
        this.take(":");
        fields[name] = this.value();
      }
      this.take("}");
      return { kind: "object", fields };
    }
    if (token.kind === "name") {
      if (token.text === "true" || token.text === "false") return { kind: "scalar", value: token.text === "true" };
      if (token.text === "null") return { kind: "scalar", value: null };
      return { kind: "enum", value: token.text };
    }
    throw new GraphqlSyntaxError(`Parse error on "${token.text}" (line ${token.line})`);
  }
}

export function parseDocument(source: string): Document {
  return new Parser(tokenize(source)).document();
}

/** A value with its variables substituted (undefined when a variable is not given). */
export function evaluate(value: Value, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case "variable":
      return variables[value.name];
    case "scalar":
      return value.value;
    case "enum":
      return value.value;
    case "list":
      return value.values.map((v) => evaluate(v, variables));
    case "object":
      return Object.fromEntries(Object.entries(value.fields).map(([k, v]) => [k, evaluate(v, variables)]));
  }
}
