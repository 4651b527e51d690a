import { KeelError } from "../core/index.js";

/**
 * Splits a `text/csv` request body (RFC 4180: a header row, commas, double-quoted fields with
 * `""` escapes, LF or CRLF line ends) into its header and rows of text cells. A row with a
 * different number of cells than the header, or an unterminated quote, is `KEEL_ERR_PARSE`
 * naming the line.
 *
 * @example
 * ```ts
 * parseCsvBody('tenure,contract\n3,"One year"\n');
 * // { header: ["tenure", "contract"], rows: [["3", "One year"]] }
 * ```
 */
export function parseCsvBody(text: string): { header: string[]; rows: string[][] } {
  const lines: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    cells.push(cell);
    // A blank line (one empty cell) is not a row.
    if (!(cells.length === 1 && cells[0] === "")) lines.push({ cells, line: rowLine });
    cells = [];
    cell = "";
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === "\n") line++;
        cell += c;
      }
      i++;
      continue;
    }
    if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += c;
    i++;
  }
  if (quoted)
    throw new KeelError(
      "KEEL_ERR_PARSE",
      `the CSV body has a quoted field opened on line ${rowLine} that never closes`,
      { details: { line: rowLine } },
    );
  if (cell !== "" || cells.length > 0) endRow();
  const [head, ...rest] = lines;
  if (head === undefined)
    throw new KeelError("KEEL_ERR_PARSE", "the CSV body is empty: expected a header row", {
      details: { line: 1 },
    });
  for (const row of rest)
    if (row.cells.length !== head.cells.length)
      throw new KeelError(
        "KEEL_ERR_PARSE",
        `CSV line ${row.line} has ${row.cells.length} field(s); the header has ${head.cells.length}`,
        { details: { line: row.line, expected: head.cells.length, received: row.cells.length } },
      );
  return { header: head.cells, rows: rest.map((r) => r.cells) };
}
