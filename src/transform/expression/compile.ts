import { closestNames, KeelError } from "../../core/index.js";
import type { ExpressionNode } from "./parser.js";
import { syntaxError } from "./tokenizer.js";

/** A value during evaluation: a number (NaN = missing) or a category string (null = missing). */
export type ExpressionValue = number | string | null;

/** Reads the value of referenced column `slot` for the row being evaluated. */
export type SlotReader = (slot: number) => ExpressionValue;

/** A compiled expression: the columns it reads (by slot) and its evaluator. */
export interface CompiledExpression {
  readonly columns: readonly string[];
  evaluate(read: SlotReader): number;
}

type Kind = "number" | "string";
type Evaluator = (read: SlotReader) => ExpressionValue;
interface Typed {
  readonly kind: Kind;
  readonly run: Evaluator;
}

const num = (v: ExpressionValue): number => (typeof v === "number" ? v : Number.NaN);
const missing = (v: ExpressionValue): boolean =>
  v === null || (typeof v === "number" && Number.isNaN(v));
const bool = (b: boolean): number => (b ? 1 : 0);

interface FunctionSpec {
  readonly arity: readonly [number, number];
  /** Argument kinds accepted: "number" only, or "any" (isMissing). */
  readonly args: "number" | "any";
  readonly apply: (values: readonly ExpressionValue[]) => number;
}

const unaryMath = (f: (x: number) => number): FunctionSpec => ({
  arity: [1, 1],
  args: "number",
  apply: ([x]) => f(num(x ?? null)),
});

/**
 * The functions an expression may call.
 *
 * @example
 * ```ts
 * Object.keys(EXPRESSION_FUNCTIONS); // ["abs", "ceil", …]
 * ```
 */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  abs: unaryMath(Math.abs),
  ceil: unaryMath(Math.ceil),
  exp: unaryMath(Math.exp),
  floor: unaryMath(Math.floor),
  log: unaryMath(Math.log),
  log10: unaryMath(Math.log10),
  log1p: unaryMath(Math.log1p),
  round: unaryMath((x) => Math.sign(x) * Math.round(Math.abs(x))),
  sign: unaryMath(Math.sign),
  sqrt: unaryMath(Math.sqrt),
  pow: { arity: [2, 2], args: "number", apply: ([a, b]) => num(a ?? null) ** num(b ?? null) },
  min: {
    arity: [1, 64],
    args: "number",
    apply: (vs) => (vs.some(missing) ? Number.NaN : Math.min(...vs.map(num))),
  },
  max: {
    arity: [1, 64],
    args: "number",
    apply: (vs) => (vs.some(missing) ? Number.NaN : Math.max(...vs.map(num))),
  },
  clip: {
    arity: [3, 3],
    args: "number",
    apply: ([x, lo, hi]) => Math.min(Math.max(num(x ?? null), num(lo ?? null)), num(hi ?? null)),
  },
  coalesce: {
    arity: [1, 64],
    args: "number",
    apply: (vs) => num(vs.find((v) => !missing(v)) ?? null),
  },
  isMissing: { arity: [1, 1], args: "any", apply: ([v]) => bool(missing(v ?? null)) },
  if: {
    arity: [3, 3],
    args: "number",
    apply: ([c, a, b]) =>
      missing(c ?? null) ? Number.NaN : num(c ?? null) !== 0 ? num(a ?? null) : num(b ?? null),
  },
};

/**
 * Type-checks a parsed expression against the kinds of the frame's columns and turns it into
 * an evaluator. Numeric, boolean and timestamp columns are numbers; categorical and string
 * columns are strings, which only `==`, `!=` and `isMissing` accept. The result must be a number;
 * a non-finite result (x / 0, log(0)) is missing (NaN), and so is any operation on a missing value.
 *
 * @example
 * ```ts
 * const compiled = compileExpression(parseExpression("a / b"), "a / b", new Map([["a", "number"], ["b", "number"]]));
 * compiled.evaluate((slot) => [1, 4][slot] ?? null); // 0.25
 * ```
 */
export function compileExpression(
  tree: ExpressionNode,
  source: string,
  kinds: ReadonlyMap<string, Kind>,
): CompiledExpression {
  const columns: string[] = [];
  const slotOf = new Map<string, number>();

  const check = (node: ExpressionNode): Typed => {
    switch (node.type) {
      case "number": {
        const value = node.value;
        return { kind: "number", run: () => value };
      }
      case "string": {
        const value = node.value;
        return { kind: "string", run: () => value };
      }
      case "column": {
        const kind = kinds.get(node.name);
        if (kind === undefined) {
          const hint = closestNames(node.name, [...kinds.keys()]);
          throw syntaxError(
            source,
            node.at,
            `a column of the frame${hint.length > 0 ? ` (did you mean '${hint[0]}'?)` : ""}`,
            `unknown column '${node.name}'`,
          );
        }
        let slot = slotOf.get(node.name);
        if (slot === undefined) {
          slot = columns.length;
          slotOf.set(node.name, slot);
          columns.push(node.name);
        }
        const s = slot;
        return { kind, run: (read) => read(s) };
      }
      case "unary": {
        const operand = numeric(node.operand, node.op === "-" ? "'-'" : "'not'");
        return node.op === "-"
          ? { kind: "number", run: (read) => -num(operand(read)) }
          : {
              kind: "number",
              run: (read) => {
                const v = operand(read);
                return missing(v) ? Number.NaN : bool(num(v) === 0);
              },
            };
      }
      case "binary":
        return binary(node);
      case "conditional": {
        const test = numeric(node.test, "a condition");
        const then = numeric(node.then, "a branch of '?:'");
        const otherwise = numeric(node.otherwise, "a branch of '?:'");
        return {
          kind: "number",
          run: (read) => {
            const t = test(read);
            return missing(t) ? Number.NaN : num(t) !== 0 ? then(read) : otherwise(read);
          },
        };
      }
      case "call": {
        const spec = EXPRESSION_FUNCTIONS[node.name];
        if (spec === undefined) {
          const hint = closestNames(node.name, Object.keys(EXPRESSION_FUNCTIONS));
          throw syntaxError(
            source,
            node.at,
            `a function (${Object.keys(EXPRESSION_FUNCTIONS).join(", ")})${hint.length > 0 ? `; did you mean '${hint[0]}'?` : ""}`,
            `'${node.name}'`,
          );
        }
        const [lo, hi] = spec.arity;
        if (node.args.length < lo || node.args.length > hi) {
          throw syntaxError(
            source,
            node.at,
            `${lo === hi ? lo : `${lo} to ${hi}`} argument(s) for ${node.name}()`,
            `${node.args.length}`,
          );
        }
        const args = node.args.map((a) =>
          spec.args === "any" ? check(a).run : numeric(a, `an argument of ${node.name}()`),
        );
        return { kind: "number", run: (read) => spec.apply(args.map((a) => a(read))) };
      }
    }
  };

  const numeric = (node: ExpressionNode, where: string): Evaluator => {
    const typed = check(node);
    if (typed.kind !== "number")
      throw syntaxError(source, node.at, `a number for ${where}`, "a category (string) value");
    return typed.run;
  };

  const binary = (node: Extract<ExpressionNode, { type: "binary" }>): Typed => {
    const { op } = node;
    if (op === "==" || op === "!=") {
      const left = check(node.left);
      const right = check(node.right);
      if (left.kind !== right.kind) {
        throw syntaxError(
          source,
          node.at,
          `both sides of '${op}' of the same kind`,
          `a ${left.kind} and a ${right.kind}`,
        );
      }
      const equal = op === "==";
      return {
        kind: "number",
        run: (read) => {
          const a = left.run(read);
          const b = right.run(read);
          return missing(a) || missing(b) ? Number.NaN : bool((a === b) === equal);
        },
      };
    }
    const left = numeric(node.left, `'${op}'`);
    const right = numeric(node.right, `'${op}'`);
    const both = (f: (a: number, b: number) => number): Typed => ({
      kind: "number",
      run: (read) => f(num(left(read)), num(right(read))),
    });
    const logical = (f: (a: boolean, b: boolean) => boolean): Typed =>
      both((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : bool(f(a !== 0, b !== 0))));
    const compare = (f: (a: number, b: number) => boolean): Typed =>
      both((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : bool(f(a, b))));
    switch (op) {
      case "+":
        return both((a, b) => a + b);
      case "-":
        return both((a, b) => a - b);
      case "*":
        return both((a, b) => a * b);
      case "/":
        return both((a, b) => (b === 0 ? Number.NaN : a / b));
      case "%":
        return both((a, b) => (b === 0 ? Number.NaN : a % b));
      case "^":
        return both((a, b) => a ** b);
      case "<":
        return compare((a, b) => a < b);
      case "<=":
        return compare((a, b) => a <= b);
      case ">":
        return compare((a, b) => a > b);
      case ">=":
        return compare((a, b) => a >= b);
      case "and":
        return logical((a, b) => a && b);
      case "or":
        return logical((a, b) => a || b);
      default:
        throw new KeelError(
          "KEEL_ERR_INTERNAL",
          `Unknown operator '${op}' in a parsed expression.`,
        );
    }
  };

  const root = check(tree);
  if (root.kind !== "number") {
    throw syntaxError(source, tree.at, "a numeric result", "a category (string) value");
  }
  const run = root.run;
  return {
    columns,
    evaluate: (read) => {
      const v = num(run(read));
      return Number.isFinite(v) ? v : Number.NaN;
    },
  };
}
