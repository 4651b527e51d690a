// Writes the benchmark's inputs from fixed seeds, so every run and machine reads the same bytes:
// - generate: 1,000,000 rows × 50 numeric columns, 5% of cells missing (empty fields);
//   column j is Normal(mean j, sd 1 + j/10) rounded to 4 decimals.
// - generateLate: 1,000,000 rows × 20 columns of whole numbers until row 900,000, then numbers
//   with 4 decimals (5% missing): a reader that guesses types from a sample reads the late
//   decimals as integers, pandas reads every value exactly.
import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Rng } from "../../dist/core/index.js";

export const ROWS = 1_000_000;
export const COLUMNS = 50;
export const MISSING = 0.05;
export const SEED = 20260101;

export const LATE_ROWS = 1_000_000;
export const LATE_COLUMNS = 20;
export const LATE_FROM = 900_000;

/** Generates the CSV at `path` unless it is already there; returns its size in bytes. */
export function generate(path) {
  return writeCsv(path, SEED, ROWS, COLUMNS, (rng, _i, j) => {
    const missing = rng.next() < MISSING;
    const value = j + (1 + j / 10) * rng.normal();
    return missing ? "" : String(Math.round(value * 1e4) / 1e4);
  });
}

/** Generates the late-decimals CSV at `path` unless it is already there; returns its size. */
export function generateLate(path) {
  return writeCsv(path, SEED + 1, LATE_ROWS, LATE_COLUMNS, (rng, i, j) => {
    const missing = rng.next() < MISSING;
    const value = j * 10 + (1 + j) * rng.normal();
    const scale = i < LATE_FROM ? 1 : 1e4;
    return missing ? "" : String(Math.round(value * scale) / scale);
  });
}

/** Writes `rows` × `columns` cells `cell(rng, row, column)` under a header x0, x1, ... */
async function writeCsv(path, seed, rows, columns, cell) {
  if (existsSync(path)) return statSync(path).size;
  mkdirSync(dirname(path), { recursive: true });
  const rng = new Rng(seed);
  const temporary = `${path}.tmp`;
  const out = createWriteStream(temporary);
  out.write(`${Array.from({ length: columns }, (_, j) => `x${j}`).join(",")}\n`);
  const batch = [];
  for (let i = 0; i < rows; i++) {
    const cells = new Array(columns);
    for (let j = 0; j < columns; j++) cells[j] = cell(rng, i, j);
    batch.push(cells.join(","));
    if (batch.length === 10_000) {
      if (!out.write(`${batch.join("\n")}\n`)) await once(out, "drain");
      batch.length = 0;
    }
  }
  if (batch.length > 0) out.write(`${batch.join("\n")}\n`);
  out.end();
  await once(out, "finish");
  renameSync(temporary, path);
  return statSync(path).size;
}
