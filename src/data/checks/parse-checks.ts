import { readFile } from "node:fs/promises";
import { closestNames, describeValue, KeelError } from "../../core/index.js";
import { fileError } from "../file-access.js";
import type { CheckName, DataCheck } from "./check-types.js";

type FieldType = "string" | "number" | "numberOrString" | "boolean" | "values" | "columns";

interface CheckSpec {
  readonly required: Readonly<Record<string, FieldType>>;
  readonly optional: Readonly<Record<string, FieldType>>;
  /** At least one of these must be present (range and rowCount bounds). */
  readonly oneOf?: readonly string[];
}

const SPECS: Readonly<Record<CheckName, CheckSpec>> = {
  notNull: { required: { column: "string" }, optional: {} },
  unique: { required: { column: "string" }, optional: {} },
  range: {
    required: { column: "string" },
    optional: { min: "numberOrString", max: "numberOrString" },
    oneOf: ["min", "max"],
  },
  allowedValues: { required: { column: "string", values: "values" }, optional: {} },
  regex: { required: { column: "string", pattern: "string" }, optional: { flags: "string" } },
  rowCount: { required: {}, optional: { min: "number", max: "number" }, oneOf: ["min", "max"] },
  freshness: { required: { column: "string", maxAge: "numberOrString" }, optional: {} },
  schema: { required: { columns: "columns" }, optional: { exact: "boolean" } },
  sql: { required: { query: "string" }, optional: {} },
};

const KINDS = ["numeric", "categorical", "boolean", "timestamp", "string"];

/**
 * The names of every known check, for messages and docs.
 *
 * @example
 * ```ts
 * CHECK_NAMES.includes("notNull"); // true
 * ```
 */
export const CHECK_NAMES = Object.keys(SPECS) as CheckName[];

/**
 * One problem found in a checks document, with its JSON path.
 *
 * @example
 * ```ts
 * // { path: "checks[3].column", message: "expected a string. Got 5 instead." }
 * ```
 */
export interface CheckIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Validates a parsed checks document (`{ "checks": [ ... ] }`, or the bare array) and
 * returns its checks. Every problem is collected with its JSON path (`checks[3].column`);
 * the error's message names the first (and how many more), `details.issues` lists all. An
 * unknown check or field suggests the closest known name.
 *
 * @example
 * ```ts
 * parseChecks({ checks: [{ check: "notNull", column: "churn" }] });
 * parseChecks({ checks: [{ check: "notNul", column: "churn" }] }, "checks.json");
 * // KEEL_ERR_CHECK_INVALID: checks.json: checks[0].check: unknown check 'notNul'. Did you mean 'notNull'? ...
 * ```
 */
export function parseChecks(document: unknown, source = "checks"): DataCheck[] {
  const issues: CheckIssue[] = [];
  const list = Array.isArray(document)
    ? document
    : isObject(document) && Array.isArray(document.checks)
      ? document.checks
      : undefined;
  if (list === undefined) {
    issues.push({
      path: isObject(document) ? "checks" : "(root)",
      message: `expected { "checks": [ ... ] }. Got ${describeValue(document)} instead.`,
    });
  } else {
    for (const [i, item] of list.entries()) validateCheck(item, `checks[${i}]`, issues);
  }
  if (issues.length > 0) {
    const [first] = issues;
    const more =
      issues.length > 1
        ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})`
        : "";
    throw new KeelError(
      "KEEL_ERR_CHECK_INVALID",
      `${source}: ${first?.path}: ${first?.message}${more}`,
      {
        details: { source, issues },
      },
    );
  }
  return list as DataCheck[];
}

/**
 * Reads and validates a checks JSON file. Invalid JSON is a `KEEL_ERR_PARSE` with its line
 * and column; invalid checks as {@link parseChecks}.
 *
 * @example
 * ```ts
 * const checks = await loadChecks("data/telco-checks.json");
 * ```
 */
export async function loadChecks(path: string): Promise<DataCheck[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw fileError(path, error);
  }
  // A BOM is how some editors start UTF-8 files; it is not JSON, nor a mistake of the author.
  text = text.replace(/^\uFEFF/, "");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 names the offset for some mistakes only ("position 12"); find it for the others
    // (a trailing comma, a cut-off file).
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? jsonErrorOffset(text));
    const where = Number.isNaN(position) ? "" : `:${lineAndColumn(text, position)}`;
    throw new KeelError("KEEL_ERR_PARSE", `${path}${where}: invalid JSON: ${message}`, {
      details: { file: path, position: Number.isNaN(position) ? undefined : position },
      cause: error,
    });
  }
  return parseChecks(document, path);
}

function validateCheck(item: unknown, path: string, issues: CheckIssue[]): void {
  if (!isObject(item)) {
    issues.push({ path, message: `expected a check object. Got ${describeValue(item)} instead.` });
    return;
  }
  const name = item.check;
  if (typeof name !== "string") {
    issues.push({
      path: `${path}.check`,
      message: `expected the name of a check (${CHECK_NAMES.join(", ")}). Got ${describeValue(name)} instead.`,
    });
    return;
  }
  const spec = SPECS[name as CheckName];
  if (spec === undefined) {
    issues.push({ path: `${path}.check`, message: unknownName("check", name, CHECK_NAMES) });
    return;
  }
  const known = ["check", ...Object.keys(spec.required), ...Object.keys(spec.optional)];
  for (const key of Object.keys(item)) {
    if (!known.includes(key)) {
      issues.push({
        path: `${path}.${key}`,
        message: unknownName(`field of a ${name} check`, key, known),
      });
    }
  }
  for (const [field, type] of Object.entries(spec.required)) {
    if (item[field] === undefined) {
      issues.push({
        path: `${path}.${field}`,
        message: `a ${name} check needs '${field}' (${typeText(type)}).`,
      });
    } else validateField(item[field], type, `${path}.${field}`, issues);
  }
  for (const [field, type] of Object.entries(spec.optional)) {
    if (item[field] !== undefined) validateField(item[field], type, `${path}.${field}`, issues);
  }
  if (spec.oneOf?.every((field) => item[field] === undefined)) {
    issues.push({
      path,
      message: `a ${name} check needs ${spec.oneOf.map((f) => `'${f}'`).join(" or ")}.`,
    });
  }
  if (
    (name === "range" || name === "rowCount") &&
    typeof item.min === "number" &&
    typeof item.max === "number" &&
    item.min > item.max
  ) {
    issues.push({
      path,
      message: `min (${item.min}) is greater than max (${item.max}); no value could pass.`,
    });
  }
  if (name === "regex" && typeof item.pattern === "string") {
    try {
      new RegExp(item.pattern, typeof item.flags === "string" ? item.flags : undefined);
    } catch (error) {
      issues.push({
        path: `${path}.pattern`,
        message: `invalid regular expression: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
}

function validateField(value: unknown, type: FieldType, path: string, issues: CheckIssue[]): void {
  const ok =
    type === "string"
      ? typeof value === "string"
      : type === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : type === "numberOrString"
          ? (typeof value === "number" && Number.isFinite(value)) || typeof value === "string"
          : type === "boolean"
            ? typeof value === "boolean"
            : type === "values"
              ? Array.isArray(value) &&
                value.every((v) => ["string", "number", "boolean"].includes(typeof v))
              : validColumns(value, path, issues);
  if (!ok) {
    issues.push({
      path,
      message: `expected ${typeText(type)}. Got ${describeValue(value)} instead.`,
    });
  }
}

function validColumns(value: unknown, path: string, issues: CheckIssue[]): boolean {
  const entries: [string, unknown, string][] = Array.isArray(value)
    ? value.map((c: unknown, i) =>
        isObject(c) && typeof c.name === "string"
          ? [c.name, c.kind, `${path}[${i}].kind`]
          : ["", undefined, `${path}[${i}]`],
      )
    : isObject(value)
      ? Object.entries(value).map(([k, v]) => [k, v, `${path}.${k}`])
      : [];
  if (!Array.isArray(value) && !isObject(value)) return false;
  for (const [name, kind, at] of entries) {
    if (name === "") {
      issues.push({ path: at, message: "expected { name, kind }." });
    } else if (typeof kind !== "string" || !KINDS.includes(kind)) {
      issues.push({
        path: at,
        message: `expected a column kind (${KINDS.join(", ")}). Got ${describeValue(kind)} instead.`,
      });
    }
  }
  return true;
}

function typeText(type: FieldType): string {
  switch (type) {
    case "string":
      return "a string";
    case "number":
      return "a finite number";
    case "numberOrString":
      return "a number or a string";
    case "boolean":
      return "true or false";
    case "values":
      return "an array of strings, numbers or booleans";
    case "columns":
      return "a list of { name, kind } or an object from column name to kind";
  }
}

function unknownName(what: string, name: string, known: readonly string[]): string {
  const suggestions = closestNames(name, known);
  const hint = suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : "";
  return `unknown ${what} '${name}'.${hint} Known: ${known.join(", ")}.`;
}

/**
 * The offset of the first JSON syntax error in `text`, by a small recursive-descent scan
 * (NaN when there is none), for the errors V8's message gives no position for.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && " \t\r\n".includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === "{") {
      i++;
      space();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ":") fail();
        i++;
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail();
      }
    } else if (ch === "[") {
      i++;
      space();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail();
      }
    } else if (ch === '"') string();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else {
      const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!number) fail();
      i += (number as RegExpExecArray)[0].length;
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return Number.NaN;
  } catch (offset) {
    return typeof offset === "number" ? offset : Number.NaN;
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${line}:${column}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
