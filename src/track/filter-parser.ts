import { KeelError } from "../core/index.js";

/**
 * A comparison in a search filter: `<entity>.<key> <op> <value>`. The entity is the prefix as
 * written, normalised (`metric` → `metrics`, `attr`/`attribute`/`run` → `attributes`, …), or
 * `attributes` for a bare name.
 *
 * @example
 * ```ts
 * const c: FilterComparison = { kind: "compare", entity: "metrics", key: "auc", op: ">", value: 0.8, position: 0 };
 * ```
 */
export interface FilterComparison {
  readonly kind: "compare";
  readonly entity: "metrics" | "params" | "tags" | "attributes" | "datasets";
  readonly key: string;
  readonly op: ComparisonOp;
  readonly value: number | string | readonly string[];
  /** Character offset of the comparison in the filter string (for error messages). */
  readonly position: number;
}

/** A comparison operator. @example `const op: ComparisonOp = "ILIKE";` */
export type ComparisonOp =
  | "="
  | "!="
  | ">"
  | ">="
  | "<"
  | "<="
  | "LIKE"
  | "ILIKE"
  | "IN"
  | "NOT IN";

/**
 * The parsed filter: comparisons combined with AND / OR (parentheses group).
 *
 * @example
 * ```ts
 * const ast: FilterNode = parseFilter("metrics.auc > 0.8 or params.depth = '6'");
 * ```
 */
export type FilterNode =
  | FilterComparison
  | { readonly kind: "and" | "or"; readonly children: readonly FilterNode[] };

/** One `ORDER BY` term. @example `{ entity: "metrics", key: "auc", ascending: false }` */
export interface OrderByTerm {
  readonly entity: FilterComparison["entity"];
  readonly key: string;
  readonly ascending: boolean;
}

type TokenKind = "ident" | "string" | "quoted" | "number" | "op" | "(" | ")" | "," | "." | "end";
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const ENTITY_ALIASES: Record<string, FilterComparison["entity"]> = {
  metric: "metrics",
  metrics: "metrics",
  param: "params",
  params: "params",
  parameter: "params",
  parameters: "params",
  tag: "tags",
  tags: "tags",
  attribute: "attributes",
  attributes: "attributes",
  attr: "attributes",
  run: "attributes",
  dataset: "datasets",
  datasets: "datasets",
};

/**
 * Size limits on search input, so that no filter or ordering can make a query (or its parser)
 * run for long: beyond them a search fails with `KEEL_ERR_LIMIT_EXCEEDED` (HTTP 400) naming
 * the limit. A filter of 100 comparisons already costs SQLite about a second on 2,000 runs.
 *
 * @example
 * ```ts
 * FILTER_LIMITS.maxComparisons; // 100
 * ```
 */
export const FILTER_LIMITS = {
  /** Characters in one filter string. */
  maxLength: 10_000,
  /** Comparisons (`key op value`) in one filter. */
  maxComparisons: 100,
  /** Nesting depth of parentheses. */
  maxDepth: 20,
  /** Values in one `IN (...)` / `NOT IN (...)` list. */
  maxInValues: 1_000,
  /** Terms in one `order_by` list. */
  maxOrderByTerms: 20,
  /** Characters in one `order_by` term. */
  maxOrderByTermLength: 1_000,
  /** Experiment ids one run search names (each is a bound SQL parameter). */
  maxExperimentIds: 1_000,
} as const;

function tooLarge(limit: keyof typeof FILTER_LIMITS, what: string, got: number): never {
  throw new KeelError(
    "KEEL_ERR_LIMIT_EXCEEDED",
    `${what}: ${got} is more than the limit of ${FILTER_LIMITS[limit]} (${limit})`,
    { details: { limit, max: FILTER_LIMITS[limit], got } },
  );
}

/**
 * Checks how many experiment ids one search names against {@link FILTER_LIMITS}: beyond it
 * the store's bound-parameter limit (SQLite 32,766, PostgreSQL 65,535) would answer 500.
 *
 * @example
 * ```ts
 * checkExperimentIdCount(3); // fine; 1,001 throws KEEL_ERR_LIMIT_EXCEEDED
 * ```
 */
export function checkExperimentIdCount(count: number): void {
  if (count > FILTER_LIMITS.maxExperimentIds)
    tooLarge("maxExperimentIds", "the search names too many experiment ids", count);
}

/** Checks a filter against {@link FILTER_LIMITS} before it is parsed (the parser recurses). */
function checkFilterLimits(source: string): void {
  if (source.length > FILTER_LIMITS.maxLength)
    tooLarge("maxLength", "the filter is too long (characters)", source.length);
  let depth = 0;
  let comparisons = 0;
  let inList: number | undefined;
  let afterIn = false;
  for (const token of tokenize(source)) {
    const word = token.kind === "ident" ? token.text.toUpperCase() : "";
    if (token.kind === "op" || word === "LIKE" || word === "ILIKE" || word === "IN") comparisons++;
    if (token.kind === "(") {
      if (afterIn) inList = 0;
      else if (++depth > FILTER_LIMITS.maxDepth)
        tooLarge("maxDepth", "the filter nests parentheses too deeply", depth);
    } else if (token.kind === ")") {
      if (inList !== undefined) inList = undefined;
      else depth--;
    } else if (inList !== undefined && (token.kind === "string" || token.kind === "quoted")) {
      if (++inList > FILTER_LIMITS.maxInValues)
        tooLarge("maxInValues", "an IN list has too many values", inList);
    }
    afterIn = word === "IN";
  }
  if (comparisons > FILTER_LIMITS.maxComparisons)
    tooLarge("maxComparisons", "the filter has too many comparisons", comparisons);
}

function syntaxError(source: string, position: number, expected: string, got: string): never {
  throw new KeelError(
    "KEEL_ERR_FILTER_SYNTAX",
    `invalid filter at character ${position + 1}: expected ${expected}, got ${got}`,
    { details: { filter: source, position } },
  );
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"' || ch === "`") {
      let text = "";
      i++;
      for (;;) {
        if (i >= source.length)
          syntaxError(source, start, `a closing ${ch}`, "the end of the filter");
        const c = source[i] as string;
        // A doubled quote inside a string stands for one quote character.
        if (c === ch && source[i + 1] === ch) {
          text += ch;
          i += 2;
        } else if (c === ch) {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({ kind: ch === "'" ? "string" : "quoted", text, position: start });
      continue;
    }
    const number = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i));
    if (number && (ch !== "-" || /\d|\./.test(source[i + 1] ?? ""))) {
      tokens.push({ kind: "number", text: number[0], position: start });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][\w.\-/:]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ kind: "ident", text: ident[0], position: start });
      i += ident[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|=|<|>)/.exec(source.slice(i));
    if (op) {
      tokens.push({
        kind: "op",
        text: op[0] === "<>" ? "!=" : op[0] === "==" ? "=" : op[0],
        position: start,
      });
      i += op[0].length;
      continue;
    }
    // A lone "." joins a backticked entity to its key: `params`.`lr`.
    if (ch === "(" || ch === ")" || ch === "," || ch === ".") {
      tokens.push({ kind: ch, text: ch, position: start });
      i++;
      continue;
    }
    syntaxError(source, start, "an identifier, value, operator or parenthesis", JSON.stringify(ch));
  }
  tokens.push({ kind: "end", text: "", position: source.length });
  return tokens;
}

class Parser {
  readonly #source: string;
  readonly #tokens: Token[];
  #at = 0;

  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  peek(): Token {
    return this.#tokens[this.#at] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.#at++;
    return token;
  }

  keyword(word: string): boolean {
    const token = this.peek();
    if (token.kind === "ident" && token.text.toUpperCase() === word) {
      this.#at++;
      return true;
    }
    return false;
  }

  fail(expected: string, token: Token = this.peek()): never {
    syntaxError(
      this.#source,
      token.position,
      expected,
      token.kind === "end" ? "the end of the filter" : `'${token.text}'`,
    );
  }

  expect(kind: TokenKind, expected: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(expected);
    return this.next();
  }

  parseOr(): FilterNode {
    const children = [this.parseAnd()];
    while (this.keyword("OR")) children.push(this.parseAnd());
    return children.length === 1 ? (children[0] as FilterNode) : { kind: "or", children };
  }

  parseAnd(): FilterNode {
    const children = [this.parsePrimary()];
    while (this.keyword("AND")) children.push(this.parsePrimary());
    return children.length === 1 ? (children[0] as FilterNode) : { kind: "and", children };
  }

  parsePrimary(): FilterNode {
    if (this.peek().kind === "(") {
      this.next();
      const inner = this.parseOr();
      this.expect(")", "')'");
      return inner;
    }
    return this.parseComparison();
  }

  parseIdentifier(): { entity: FilterComparison["entity"]; key: string; position: number } {
    const token = this.peek();
    if (token.kind === "quoted") {
      this.next();
      if (this.peek().kind !== ".")
        return { entity: "attributes", key: token.text, position: token.position };
      // `params`.`lr` or `metrics`.auc: a backticked (or double-quoted) entity name.
      this.next();
      const name = token.text.toLowerCase();
      const entity = Object.hasOwn(ENTITY_ALIASES, name) ? ENTITY_ALIASES[name] : undefined;
      if (entity === undefined)
        this.fail("an entity metrics, params, tags, attributes or datasets", token);
      const keyToken = this.next();
      if (keyToken.kind !== "ident" && keyToken.kind !== "quoted" && keyToken.kind !== "string")
        this.fail("a key after the '.'", keyToken);
      if (keyToken.text === "") this.fail("a non-empty key", keyToken);
      return { entity, key: keyToken.text, position: token.position };
    }
    if (token.kind !== "ident") this.fail("an identifier such as metrics.auc");
    this.next();
    const dot = token.text.indexOf(".");
    if (dot < 0) return { entity: "attributes", key: token.text, position: token.position };
    const prefix = token.text.slice(0, dot).toLowerCase();
    const entity = Object.hasOwn(ENTITY_ALIASES, prefix) ? ENTITY_ALIASES[prefix] : undefined;
    if (entity === undefined)
      this.fail("an identifier prefix metrics., params., tags., attributes. or datasets.", token);
    let key = token.text.slice(dot + 1);
    if (key === "") {
      // metrics."my key" / metrics.`my key`
      const quoted = this.peek();
      if (quoted.kind !== "quoted" && quoted.kind !== "string")
        this.fail("a quoted key after the '.'");
      this.next();
      key = quoted.text;
    }
    if (key === "") this.fail("a non-empty key", token);
    return { entity, key, position: token.position };
  }

  parseComparison(): FilterComparison {
    const { entity, key, position } = this.parseIdentifier();
    let op: ComparisonOp;
    const token = this.peek();
    if (token.kind === "op") {
      op = this.next().text as ComparisonOp;
    } else if (this.keyword("LIKE")) op = "LIKE";
    else if (this.keyword("ILIKE")) op = "ILIKE";
    else if (this.keyword("IN")) op = "IN";
    else if (this.keyword("NOT")) {
      if (!this.keyword("IN")) this.fail("IN after NOT");
      op = "NOT IN";
    } else this.fail("a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)");
    if (op === "IN" || op === "NOT IN") {
      this.expect("(", "'(' starting a list of quoted values");
      const values: string[] = [];
      do {
        const value = this.peek();
        if (value.kind !== "string" && value.kind !== "quoted")
          this.fail("a quoted string in the list");
        values.push(this.next().text);
      } while (this.peek().kind === "," && this.next());
      this.expect(")", "')' closing the list");
      return { kind: "compare", entity, key, op, value: values, position };
    }
    const value = this.next();
    if (value.kind === "number")
      return { kind: "compare", entity, key, op, value: Number(value.text), position };
    if (value.kind === "string" || value.kind === "quoted")
      return { kind: "compare", entity, key, op, value: value.text, position };
    return this.fail("a number or a quoted string", value);
  }
}

/**
 * Parses an MLflow search filter, extended with `OR` and parentheses, into an AST. Only the
 * grammar is checked here; which identifiers and operators an entity accepts is checked when
 * the AST is compiled. An empty filter gives `undefined`.
 *
 * @example
 * ```ts
 * parseFilter("metrics.auc > 0.8 and (params.depth = '6' or tags.team LIKE 'g%')");
 * ```
 */
export function parseFilter(source: string | undefined): FilterNode | undefined {
  if (source === undefined || source.trim() === "") return undefined;
  checkFilterLimits(source);
  const parser = new Parser(source);
  const node = parser.parseOr();
  if (parser.peek().kind !== "end") parser.fail("AND, OR or the end of the filter");
  return node;
}

/**
 * Parses MLflow `order_by` terms: `metrics.auc DESC`, `attributes.start_time`, `params.lr ASC`.
 * The same field twice is INVALID_PARAMETER_VALUE, as in MLflow.
 *
 * @example
 * ```ts
 * parseOrderBy(["metrics.auc DESC"]); // [{ entity: "metrics", key: "auc", ascending: false }]
 * ```
 */
export function parseOrderBy(terms: readonly string[] | undefined): OrderByTerm[] {
  if (terms !== undefined && terms.length > FILTER_LIMITS.maxOrderByTerms)
    tooLarge("maxOrderByTerms", "order_by has too many terms", terms.length);
  const seen = new Set<string>();
  return (terms ?? []).map((term) => {
    if (term.length > FILTER_LIMITS.maxOrderByTermLength)
      tooLarge("maxOrderByTermLength", "an order_by term is too long (characters)", term.length);
    const parser = new Parser(term);
    const { entity, key } = parser.parseIdentifier();
    let ascending = true;
    if (parser.keyword("DESC")) ascending = false;
    else parser.keyword("ASC");
    if (parser.peek().kind !== "end") parser.fail("ASC, DESC or the end of the order_by term");
    const field = `${entity}.${key}`;
    if (seen.has(field))
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `\`order_by\` contains duplicate fields: ${field} appears more than once in ${JSON.stringify(terms)}`,
        { details: { order_by: terms } },
      );
    seen.add(field);
    return { entity, key, ascending };
  });
}
