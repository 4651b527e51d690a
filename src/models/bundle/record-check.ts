import { type ColumnKind, type FrameRecord, KeelError } from "../../core/index.js";
import { parseBoolean, parseNumber, parseTimestamp } from "../../data/index.js";
import type { InputSignature } from "./bundle-format.js";

/**
 * One field of one record that does not fit the model's input signature.
 *
 * @example
 * ```ts
 * const issue: RecordIssue = { path: "$.records[2].tenure", field: "tenure", expected: "numeric", received: "twelve", problem: "wrong kind" };
 * ```
 */
export interface RecordIssue {
  /** JSON path of the field (or of the record, when the record is not an object). */
  readonly path: string;
  readonly field: string;
  /** The kind the signature declares (`numeric`, `categorical`, …), or `object` for a record. */
  readonly expected: ColumnKind | "object";
  /** The value that came; `null` when the field is missing. */
  readonly received: unknown;
  readonly problem: "missing" | "wrong kind" | "not an object";
}

/** Issues listed in an error's message; `details.errors` holds up to {@link MAX_LISTED_ISSUES}. */
const ISSUES_IN_MESSAGE = 5;
const MAX_LISTED_ISSUES = 1000;

/**
 * Whether record values are JSON values (a string in a numeric field is wrong) or text cells
 * of a CSV body (a numeric field's text is parsed as the batch reader parses it).
 *
 * @example
 * ```ts
 * const source: RecordSource = "text";
 * ```
 */
export type RecordSource = "json" | "text";

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value a field of kind `kind` holds for `v`, or `undefined` when `v` is not one. */
function conformValue(
  kind: ColumnKind,
  v: unknown,
  source: RecordSource,
): FrameRecord[string] | undefined {
  if (typeof v === "string" && source === "text") {
    if (v === "" && kind !== "string") return null;
    switch (kind) {
      case "numeric": {
        // `NaN` is a missing value, as pandas.read_csv reads it; `inf` is no number a model takes.
        const n = parseNumber(v, true);
        if (n === undefined) return undefined;
        return Number.isNaN(n) ? null : Number.isFinite(n) ? n : undefined;
      }
      case "boolean": {
        const b = parseBoolean(v);
        return b === undefined ? undefined : b === 1;
      }
      case "timestamp":
        return parseTimestamp(v);
      default:
        return v;
    }
  }
  switch (kind) {
    case "numeric":
      // JSON.parse reads 1e400 as Infinity: refused here, with its path, not deep in the model.
      return typeof v === "number" && Number.isFinite(v) ? v : undefined;
    case "boolean":
      if (typeof v === "boolean") return v;
      return v === 0 || v === 1 ? v === 1 : undefined;
    case "timestamp":
      if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
      return typeof v === "string" ? parseTimestamp(v) : undefined;
    case "categorical":
    case "string":
      // A numeric-looking category arrives as a JSON number; the batch reader keeps its text.
      if (typeof v === "string") return v;
      return typeof v === "number" && Number.isFinite(v) ? String(v) : undefined;
  }
}

/**
 * A signature laid out for checking many records: its field names and kinds, which names an
 * ordinary object inherits (`constructor`, `toString`: only those need an own-property test),
 * and a record holding each field (null) in order.
 */
interface SignaturePlan {
  readonly names: readonly string[];
  readonly kinds: readonly ColumnKind[];
  readonly inherited: readonly boolean[];
  readonly template: FrameRecord;
}

const plans = new WeakMap<InputSignature, SignaturePlan>();

function planOf(signature: InputSignature): SignaturePlan {
  let plan = plans.get(signature);
  if (plan === undefined) {
    const template: FrameRecord = {};
    for (const column of signature.columns) template[column.name] = null;
    const names = signature.columns.map((c) => c.name);
    plan = {
      names,
      kinds: signature.columns.map((c) => c.kind),
      inherited: names.map((name) => name in Object.prototype),
      template,
    };
    plans.set(signature, plan);
  }
  return plan;
}

/**
 * Checks one record against a model's input signature and returns it in the signature's
 * shape (only the signature's fields, in its order, each typed as the batch reader types that
 * column; `null` is a missing value), pushing one {@link RecordIssue} per field that is
 * missing or of the wrong kind. Extra fields are ignored, as extra columns are in a batch.
 * `path` may be a function giving the paths, called only when there is an issue to report.
 *
 * @example
 * ```ts
 * const issues: RecordIssue[] = [];
 * const record = conformRecord(bundle.inputSignature, { tenure: "x" }, "$.records[0]", issues);
 * issues[0]?.path; // "$.records[0].tenure"
 * ```
 */
export function conformRecord(
  signature: InputSignature,
  value: unknown,
  path: string | FieldPaths | (() => FieldPaths),
  issues: RecordIssue[],
  source: RecordSource = "json",
): FrameRecord {
  // A copy of the signature's template, every field present: filling it changes no object
  // shape, where adding the fields one by one would (the cost that counts at 1,000 records).
  const plan = planOf(signature);
  const out: FrameRecord = { ...plan.template };
  // Paths are only built when there is something to report.
  let known: FieldPaths | undefined;
  const paths = (): FieldPaths => {
    known ??=
      typeof path === "string"
        ? { record: path, field: (name) => fieldPath(path, name) }
        : typeof path === "function"
          ? path()
          : path;
    return known;
  };
  if (!isPlainObject(value)) {
    issues.push({
      path: paths().record,
      field: "",
      expected: "object",
      received: value,
      problem: "not an object",
    });
    return out;
  }
  // A plain object (what JSON.parse gives) inherits only Object.prototype's names: a field is
  // its own unless it has one of those names. Any other object is asked field by field.
  const plain = Object.getPrototypeOf(value) === Object.prototype;
  const { names, kinds, inherited } = plan;
  for (let j = 0; j < names.length; j++) {
    const name = names[j]!;
    const kind = kinds[j]!;
    const v = value[name];
    if (v === undefined || ((!plain || inherited[j]) && !Object.hasOwn(value, name))) {
      issues.push({
        path: paths().field(name),
        field: name,
        expected: kind,
        received: null,
        problem: "missing",
      });
      out[name] = null;
      continue;
    }
    if (v === null) {
      out[name] = null;
      continue;
    }
    const conformed = conformValue(kind, v, source);
    if (conformed === undefined) {
      issues.push({
        path: paths().field(name),
        field: name,
        expected: kind,
        // Infinity would serialise as null in the error body: say what came.
        received: typeof v === "number" ? String(v) : v,
        problem: "wrong kind",
      });
      out[name] = null;
    } else out[name] = conformed;
  }
  return out;
}

/**
 * Where a record and its fields sit in the request, for error paths: a records body gives
 * `$.records[3].tenure`, a columns body `$.data[3][5]`.
 *
 * @example
 * ```ts
 * const paths: FieldPaths = { record: "$.data[3]", field: (name) => `$.data[3][${columns.indexOf(name)}]` };
 * ```
 */
export interface FieldPaths {
  readonly record: string;
  readonly field: (name: string) => string;
}

/**
 * `$.a.b` for identifier-like names, `$.a["odd name"]` otherwise.
 *
 * @example
 * ```ts
 * fieldPath("$.records[0]", "monthly charges"); // '$.records[0]["monthly charges"]'
 * ```
 */
export function fieldPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

/**
 * The `KEEL_ERR_RECORD_INVALID` error for a list of issues: the message names the first few,
 * `details.errors` lists them all (up to 1,000) with path, expected kind and received value.
 *
 * @example
 * ```ts
 * if (issues.length > 0) throw recordIssuesError(issues);
 * ```
 */
export function recordIssuesError(issues: readonly RecordIssue[]): KeelError {
  const shown = issues
    .slice(0, ISSUES_IN_MESSAGE)
    .map((i) =>
      i.problem === "missing"
        ? `${i.path} is missing (expected ${i.expected})`
        : `${i.path}: expected ${i.expected === "object" ? "an object" : `a ${i.expected} value`}, got ${describe(i.received)}`,
    );
  const more =
    issues.length > ISSUES_IN_MESSAGE ? `; and ${issues.length - ISSUES_IN_MESSAGE} more` : "";
  return new KeelError(
    "KEEL_ERR_RECORD_INVALID",
    `${issues.length} field(s) do not match the model's input signature: ${shown.join("; ")}${more}`,
    {
      details: {
        count: issues.length,
        errors: issues.slice(0, MAX_LISTED_ISSUES).map((i) => ({
          path: i.path,
          expected: i.expected,
          received: i.received,
          problem: i.problem,
        })),
      },
    },
  );
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  const shown = text === undefined ? String(value) : text;
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
}

/**
 * Checks records against the signature and returns them conformed ({@link conformRecord}),
 * or throws one `KEEL_ERR_RECORD_INVALID` naming every bad field of every record.
 *
 * @example
 * ```ts
 * const records = conformRecords(bundle.inputSignature, body.records, "$.records");
 * ```
 */
export function conformRecords(
  signature: InputSignature,
  values: readonly unknown[],
  path: string,
  source: RecordSource = "json",
): FrameRecord[] {
  const issues: RecordIssue[] = [];
  const out = values.map((v, i) => conformRecord(signature, v, `${path}[${i}]`, issues, source));
  if (issues.length > 0) throw recordIssuesError(issues);
  return out;
}
