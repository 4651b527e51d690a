import { KeelError } from "../../core/index.js";

/** The kinds of token in a derived-column expression. */
export type TokenKind =
  | "number"
  | "string"
  | "identifier"
  | "column"
  | "operator"
  | "punct"
  | "end";

/** One token: its kind, its text (or decoded value) and where it starts (0-based offset). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value?: number;
  readonly at: number;
}

const OPERATORS = [
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "<",
  ">",
  "!",
  "?",
  ":",
];
const PUNCT = new Set(["(", ")", ","]);

/**
 * Splits an expression into tokens. Numbers are decimal with an optional exponent; strings use
 * double or single quotes with backslash escapes; identifiers are letters, digits and `_`;
 * any column name can be written in backquotes (`` `monthly charges` ``).
 *
 * @example
 * ```ts
 * tokenize("log1p(total_charges) / `tenure`").map((t) => t.text);
 * // ["log1p", "(", "total_charges", ")", "/", "tenure", ""]
 * ```
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9.]/.test(ch)) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(source.slice(i));
      if (match === null) throw syntaxError(source, i, `a number`, ch);
      tokens.push({ kind: "number", text: match[0], value: Number(match[0]), at: start });
      i += match[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: "identifier", text: match[0], at: start });
      i += match[0].length;
      continue;
    }
    if (ch === "`") {
      const end = source.indexOf("`", i + 1);
      if (end < 0) throw syntaxError(source, i, "a closing backquote", "the end of the expression");
      tokens.push({ kind: "column", text: source.slice(i + 1, end), at: start });
      i = end + 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let text = "";
      i++;
      while (i < source.length && source[i] !== ch) {
        if (source[i] === "\\" && i + 1 < source.length) i++;
        text += source[i];
        i++;
      }
      if (i >= source.length)
        throw syntaxError(source, start, `a closing ${ch}`, "the end of the expression");
      tokens.push({ kind: "string", text, at: start });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: "operator", text: op, at: start });
      i += op.length;
      continue;
    }
    if (PUNCT.has(ch)) {
      tokens.push({ kind: "punct", text: ch, at: start });
      i++;
      continue;
    }
    throw syntaxError(source, i, "an operator, number, name or parenthesis", `'${ch}'`);
  }
  tokens.push({ kind: "end", text: "", at: source.length });
  return tokens;
}

/**
 * A `KEEL_ERR_EXPRESSION` error pointing at a position of the source with a caret line.
 *
 * @example
 * ```ts
 * throw syntaxError("a + * b", 4, "a value", "'*'");
 * ```
 */
export function syntaxError(source: string, at: number, expected: string, got: string): KeelError {
  return new KeelError(
    "KEEL_ERR_EXPRESSION",
    `at column ${at + 1}: expected ${expected}, got ${got}.\n  ${source}\n  ${" ".repeat(at)}^`,
    { details: { expression: source, column: at + 1, expected, got } },
  );
}
