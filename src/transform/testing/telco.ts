import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Column, categoricalFromValues, Frame, numericColumn, Rng } from "../../core/index.js";

/** The Telco churn CSV shipped in the repository. */
export const TELCO_PATH = fileURLToPath(new URL("../../../data/telco_churn.csv", import.meta.url));

/**
 * Reads the Telco CSV for tests: quoted fields become categorical columns, unquoted ones
 * numeric (an empty field is missing). A test helper for this one simple file, not a CSV
 * reader; library code reads files through src/data.
 *
 * @example
 * ```ts
 * const telco = readTelco(); // 7,043 rows, 20 columns
 * ```
 */
export function readTelco(path = TELCO_PATH): Frame {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const header = splitLine(lines[0] ?? "").map((f) => f.value);
  const rows = lines.slice(1).map(splitLine);
  const columns = header.map((name, j): [string, Column] => {
    const cells = rows.map((row) => row[j] ?? { value: "", quoted: false });
    if (cells.some((c) => c.quoted)) {
      return [name, categoricalFromValues(cells.map((c) => (c.value === "" ? null : c.value)))];
    }
    return [name, numericColumn(cells.map((c) => (c.value === "" ? Number.NaN : Number(c.value))))];
  });
  return Frame.fromColumns(columns);
}

function splitLine(line: string): { value: string; quoted: boolean }[] {
  const out: { value: string; quoted: boolean }[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      out.push({ value, quoted: true });
      i++; // the comma
    } else {
      const end = line.indexOf(",", i);
      const stop = end < 0 ? line.length : end;
      out.push({ value: line.slice(i, stop), quoted: false });
      i = stop + 1;
    }
  }
  return out;
}

/**
 * `n` rows of a frame drawn with replacement by a seeded RNG (to reach sizes the file lacks).
 *
 * @example
 * ```ts
 * const big = sampleRows(readTelco(), 10_000, 42);
 * ```
 */
export function sampleRows(frame: Frame, n: number, seed: number): Frame {
  const rng = new Rng(seed);
  return frame.take(Int32Array.from({ length: n }, () => rng.int(frame.nRows)));
}
