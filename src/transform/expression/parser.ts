import { syntaxError, type Token, tokenize } from "./tokenizer.js";

/** A node of a parsed expression. */
export type ExpressionNode =
  | { readonly type: "number"; readonly value: number; readonly at: number }
  | { readonly type: "string"; readonly value: string; readonly at: number }
  | { readonly type: "column"; readonly name: string; readonly at: number }
  | {
      readonly type: "unary";
      readonly op: "-" | "not";
      readonly operand: ExpressionNode;
      readonly at: number;
    }
  | {
      readonly type: "binary";
      readonly op: string;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      readonly at: number;
    }
  | {
      readonly type: "conditional";
      readonly test: ExpressionNode;
      readonly then: ExpressionNode;
      readonly otherwise: ExpressionNode;
      readonly at: number;
    }
  | {
      readonly type: "call";
      readonly name: string;
      readonly args: readonly ExpressionNode[];
      readonly at: number;
    };

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);

/**
 * Parses a derived-column expression by recursive descent (no `eval`). Precedence, lowest
 * first: `c ? a : b`; `or` / `||`; `and` / `&&`; `not` / `!`; comparisons
 * (`== != < <= > >=`, not chained); `+ -`; `* / %`; unary `-`; `^` (right-associative).
 * Primaries are numbers, quoted strings, column names (bare or in backquotes), function
 * calls `name(args)` and parentheses.
 *
 * @example
 * ```ts
 * parseExpression("total_charges / (tenure + 1)");
 * ```
 */
export function parseExpression(source: string): ExpressionNode {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const describe = (t: Token) => (t.kind === "end" ? "the end of the expression" : `'${t.text}'`);
  const isOp = (t: Token, ...ops: string[]) =>
    (t.kind === "operator" || t.kind === "punct") && ops.includes(t.text);
  const isWord = (t: Token, word: string) => t.kind === "identifier" && t.text === word;
  const expect = (text: string) => {
    const t = next();
    if (!isOp(t, text)) throw syntaxError(source, t.at, `'${text}'`, describe(t));
  };

  const conditional = (): ExpressionNode => {
    const test = or();
    if (!isOp(peek(), "?")) return test;
    const at = next().at;
    const then = conditional();
    expect(":");
    return { type: "conditional", test, then, otherwise: conditional(), at };
  };
  const or = (): ExpressionNode => {
    let left = and();
    while (isOp(peek(), "||") || isWord(peek(), "or")) {
      const at = next().at;
      left = { type: "binary", op: "or", left, right: and(), at };
    }
    return left;
  };
  const and = (): ExpressionNode => {
    let left = not();
    while (isOp(peek(), "&&") || isWord(peek(), "and")) {
      const at = next().at;
      left = { type: "binary", op: "and", left, right: not(), at };
    }
    return left;
  };
  const not = (): ExpressionNode => {
    if (isOp(peek(), "!") || isWord(peek(), "not")) {
      const at = next().at;
      return { type: "unary", op: "not", operand: not(), at };
    }
    return comparison();
  };
  const comparison = (): ExpressionNode => {
    const left = additive();
    const t = peek();
    if (t.kind !== "operator" || !COMPARISONS.has(t.text)) return left;
    next();
    const node: ExpressionNode = { type: "binary", op: t.text, left, right: additive(), at: t.at };
    const after = peek();
    if (after.kind === "operator" && COMPARISONS.has(after.text)) {
      throw syntaxError(
        source,
        after.at,
        "no second comparison (write a < b and b < c)",
        describe(after),
      );
    }
    return node;
  };
  const additive = (): ExpressionNode => {
    let left = multiplicative();
    while (isOp(peek(), "+", "-")) {
      const t = next();
      left = { type: "binary", op: t.text, left, right: multiplicative(), at: t.at };
    }
    return left;
  };
  const multiplicative = (): ExpressionNode => {
    let left = unary();
    while (isOp(peek(), "*", "/", "%")) {
      const t = next();
      left = { type: "binary", op: t.text, left, right: unary(), at: t.at };
    }
    return left;
  };
  const unary = (): ExpressionNode => {
    if (isOp(peek(), "-")) {
      const at = next().at;
      return { type: "unary", op: "-", operand: unary(), at };
    }
    if (isOp(peek(), "+")) next();
    return power();
  };
  const power = (): ExpressionNode => {
    const base = primary();
    if (!isOp(peek(), "^")) return base;
    const at = next().at;
    return { type: "binary", op: "^", left: base, right: unary(), at };
  };
  const primary = (): ExpressionNode => {
    const t = next();
    if (t.kind === "number") return { type: "number", value: t.value as number, at: t.at };
    if (t.kind === "string") return { type: "string", value: t.text, at: t.at };
    if (t.kind === "column") return { type: "column", name: t.text, at: t.at };
    if (t.kind === "identifier") {
      if (!isOp(peek(), "(")) return { type: "column", name: t.text, at: t.at };
      next();
      const args: ExpressionNode[] = [];
      if (!isOp(peek(), ")")) {
        args.push(conditional());
        while (isOp(peek(), ",")) {
          next();
          args.push(conditional());
        }
      }
      expect(")");
      return { type: "call", name: t.text, args, at: t.at };
    }
    if (isOp(t, "(")) {
      const inner = conditional();
      expect(")");
      return inner;
    }
    throw syntaxError(source, t.at, "a number, string, column, function call or '('", describe(t));
  };

  const tree = conditional();
  const rest = peek();
  if (rest.kind !== "end")
    throw syntaxError(source, rest.at, "an operator or the end of the expression", describe(rest));
  return tree;
}
