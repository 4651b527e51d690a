import { type FrameRecord, KeelError } from "../core/index.js";
import {
  conformRecord,
  type FieldPaths,
  fieldPath,
  type InputSignature,
  type RecordIssue,
  type RecordSource,
  recordIssuesError,
} from "../models/index.js";
import { parseCsvBody } from "./csv-body.js";

/**
 * Which body shape a scoring request used: keel's `records` or `columns`/`data`, MLflow's
 * `dataframe_split`, `dataframe_records`, `instances`, `inputs`, or a `text/csv` body.
 *
 * @example
 * ```ts
 * const format: ScoringFormat = "dataframe_split";
 * ```
 */
export type ScoringFormat =
  | "records"
  | "columns"
  | "dataframe_split"
  | "dataframe_records"
  | "instances"
  | "inputs"
  | "csv";

/**
 * The rows of a scoring request before they are checked against a model: raw record objects
 * and where each sits in the body, for error paths.
 *
 * @example
 * ```ts
 * const rows = parseScoringJson({ records: [{ tenure: 3 }] });
 * rows.rows.length; // 1
 * ```
 */
export interface ScoringRows {
  readonly format: ScoringFormat;
  readonly rows: readonly unknown[];
  readonly source: RecordSource;
  readonly paths: (row: number) => FieldPaths;
}

const KEYS: readonly ScoringFormat[] = [
  "records",
  "dataframe_split",
  "dataframe_records",
  "instances",
  "inputs",
];

function bad(path: string, expected: string, received: unknown): KeelError {
  const text = JSON.stringify(received) ?? String(received);
  return new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `${path} must be ${expected}; got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`,
    {
      details: {
        path,
        expected,
        received: text.length > 200 ? `${text.slice(0, 197)}...` : received,
      },
    },
  );
}

/**
 * A column named twice would silently take the last one's values (as an object's key does):
 * refused, naming the second occurrence.
 */
function checkUniqueColumns(names: readonly string[], pathOf: (j: number) => string): void {
  const seen = new Set<string>();
  for (let j = 0; j < names.length; j++) {
    if (seen.has(names[j]!))
      throw bad(pathOf(j), "a column name not used before in the same header", names[j]);
    seen.add(names[j]!);
  }
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectRows(rows: readonly unknown[], base: string, format: ScoringFormat): ScoringRows {
  return {
    format,
    rows,
    source: "json",
    paths: (i) => {
      const record = `${base}[${i}]`;
      return { record, field: (name) => fieldPath(record, name) };
    },
  };
}

/** `{ columns, data }` rows as objects; a field's path is its cell, `$.data[i][j]`. */
function splitRows(value: unknown, base: string, format: ScoringFormat): ScoringRows {
  if (!isObject(value)) throw bad(base, "an object { columns, data }", value);
  const { columns, data } = value;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === "string"))
    throw bad(`${base}.columns`, "an array of column names", columns);
  if (!Array.isArray(data)) throw bad(`${base}.data`, "an array of rows", data);
  // pandas refuses an index of another length ("indices imply …"); so does keel, not ignore it.
  const rowIndex = value.index;
  if (rowIndex !== undefined && (!Array.isArray(rowIndex) || rowIndex.length !== data.length))
    throw bad(
      `${base}.index`,
      `an array of ${data.length} row label(s), one per row of data`,
      Array.isArray(rowIndex) ? `${rowIndex.length} label(s)` : rowIndex,
    );
  const names = columns as string[];
  checkUniqueColumns(names, (j) => `${base}.columns[${j}]`);
  const index = new Map(names.map((name, j) => [name, j]));
  // Every row's record is a copy of one template holding the columns in order: filling a copy
  // changes no object shape, where adding the columns one by one would, row after row.
  const template: Record<string, unknown> = {};
  for (const name of names) template[name] = undefined;
  const rows = data.map((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== names.length)
      throw bad(`${base}.data[${i}]`, `an array of ${names.length} value(s), one per column`, row);
    const record: Record<string, unknown> = { ...template };
    for (let j = 0; j < names.length; j++) record[names[j]!] = row[j];
    return record;
  });
  return {
    format,
    rows,
    source: "json",
    paths: (i) => ({
      record: `${base}.data[${i}]`,
      // A column the body lacks is missing from `columns` itself.
      field: (name) => {
        const j = index.get(name);
        return j === undefined ? fieldPath(`${base}.columns`, name) : `${base}.data[${i}][${j}]`;
      },
    }),
  };
}

/** MLflow's `instances`/`inputs`: a list of records, or one object of equally long columns. */
function instanceRows(value: unknown, base: string, format: ScoringFormat): ScoringRows {
  if (Array.isArray(value)) return objectRows(value, base, format);
  if (!isObject(value)) throw bad(base, "a list of records or an object of columns", value);
  const entries = Object.entries(value);
  let n: number | undefined;
  for (const [name, column] of entries) {
    if (!Array.isArray(column)) throw bad(fieldPath(base, name), "an array of values", column);
    if (n !== undefined && column.length !== n)
      throw bad(
        fieldPath(base, name),
        `an array of ${n} values like the first column`,
        column.length,
      );
    n = column.length;
  }
  const rows = Array.from({ length: n ?? 0 }, (_, i) => {
    const record: Record<string, unknown> = {};
    for (const [name, column] of entries) record[name] = (column as unknown[])[i];
    return record;
  });
  return {
    format,
    rows,
    source: "json",
    paths: (i) => ({ record: base, field: (name) => `${fieldPath(base, name)}[${i}]` }),
  };
}

/**
 * Reads the rows of a JSON scoring body in any of the accepted shapes: keel's
 * `{ "records": [{…}] }` or `{ "columns": […], "data": [[…]] }`, and MLflow's scoring protocol
 * (`dataframe_split`, `dataframe_records`, `instances`, `inputs`; MLflow's `params` is ignored).
 * A body in none of them, or with no rows, is `KEEL_ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * parseScoringJson({ dataframe_split: { columns: ["tenure"], data: [[3]] } }).rows; // [{ tenure: 3 }]
 * ```
 */
export function parseScoringJson(body: unknown): ScoringRows {
  if (!isObject(body))
    throw bad("$", "an object with 'records', 'columns'/'data' or an MLflow scoring key", body);
  const present = KEYS.filter((k) => Object.hasOwn(body, k));
  if (Object.hasOwn(body, "columns") || Object.hasOwn(body, "data")) present.push("columns");
  if (present.length !== 1)
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      present.length === 0
        ? "the body names no rows: send { records: [...] }, { columns, data }, or MLflow's dataframe_split, dataframe_records, instances or inputs"
        : `the body holds rows in ${present.length} shapes at once (${present.join(", ")}); send one`,
      { details: { path: "$", formats: present } },
    );
  const format = present[0]!;
  let parsed: ScoringRows;
  switch (format) {
    case "columns":
      parsed = { ...splitRows(body, "$", "columns"), format };
      break;
    case "dataframe_split":
      parsed = splitRows(body.dataframe_split, "$.dataframe_split", format);
      break;
    case "instances":
    case "inputs":
      parsed = instanceRows(body[format], `$.${format}`, format);
      break;
    default: {
      const rows = body[format];
      if (!Array.isArray(rows)) throw bad(`$.${format}`, "an array of records", rows);
      parsed = objectRows(rows, `$.${format}`, format);
    }
  }
  if (parsed.rows.length === 0)
    throw new KeelError("KEEL_ERR_INVALID_ARGUMENT", "the body holds no rows to score", {
      details: { path: "$", format },
    });
  return parsed;
}

/**
 * Reads the rows of a `text/csv` scoring body (a header row, then one row per record); cells
 * are text, parsed by each field's kind when checked ({@link conformRows}); an empty cell is a
 * missing value. A field's path is `line N, column 'name'`.
 *
 * @example
 * ```ts
 * parseScoringCsv("tenure,contract\n3,One year\n").rows; // [{ tenure: "3", contract: "One year" }]
 * ```
 */
export function parseScoringCsv(text: string): ScoringRows {
  const { header, rows } = parseCsvBody(text);
  checkUniqueColumns(header, (j) => `line 1, column ${j + 1}`);
  if (rows.length === 0)
    throw new KeelError("KEEL_ERR_INVALID_ARGUMENT", "the CSV body holds a header but no rows", {
      details: { path: "line 2" },
    });
  return {
    format: "csv",
    rows: rows.map((cells) => Object.fromEntries(header.map((name, j) => [name, cells[j]]))),
    source: "text",
    paths: (i) => ({
      record: `line ${i + 2}`,
      field: (name) => `line ${i + 2}, column ${JSON.stringify(name)}`,
    }),
  };
}

/**
 * Checks every row against a model's input signature and returns them conformed, or throws one
 * `KEEL_ERR_RECORD_INVALID` listing every bad field of every row with its path in the body.
 *
 * @example
 * ```ts
 * const records = conformRows(bundle.inputSignature, parseScoringJson(body));
 * ```
 */
export function conformRows(signature: InputSignature, input: ScoringRows): FrameRecord[] {
  const issues: RecordIssue[] = [];
  const out = new Array<FrameRecord>(input.rows.length);
  for (let i = 0; i < input.rows.length; i++)
    out[i] = conformRecord(signature, input.rows[i], () => input.paths(i), issues, input.source);
  if (issues.length > 0) throw recordIssuesError(issues);
  return out;
}
