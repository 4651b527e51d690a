import { isKeelError } from "../core/index.js";

/**
 * Renders rows as an aligned text table with a header; numbers right-aligned.
 *
 * @example
 * ```ts
 * formatTable(["name", "rows"], [["telco", 7043]]);
 * // name   rows
 * // telco  7043
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const cells = rows.map((row) => header.map((_, i) => formatCell(row[i])));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number" || row[i] == null),
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => (row[i] ?? "").length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

/**
 * Formats a cell: numbers with at most 6 significant digits, missing as empty.
 *
 * @example
 * ```ts
 * formatCell(3.14159265); // "3.14159"
 * ```
 */
export function formatCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (Number.isNaN(value)) return "NaN";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return Number(value.toPrecision(6)).toString();
}

/**
 * The one- or two-line form of an error for a terminal: `error KEEL_ERR_X: message`, and for
 * unexpected errors a hint to rerun with `KEEL_DEBUG=1` for the stack.
 *
 * @example
 * ```ts
 * formatError(new KeelError("KEEL_ERR_FILE_NOT_FOUND", "data.csv: no such file"));
 * // "error KEEL_ERR_FILE_NOT_FOUND: data.csv: no such file"
 * ```
 */
export function formatError(error: unknown, debug = false): string {
  if (isKeelError(error)) {
    const text = `error ${error.code}: ${error.message}`;
    return debug && error.stack ? `${text}\n${error.stack}` : text;
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  return `error KEEL_ERR_INTERNAL: ${message}\n(this is a bug in keel; rerun with KEEL_DEBUG=1 for details)${stack}`;
}
