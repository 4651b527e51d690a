// Writes the benchmark's input: 1,000,000 rows × 50 numeric columns, 5% of cells missing
// (empty fields), from a fixed seed so every run and machine reads the same bytes.
// Column j is Normal(mean j, sd 1 + j/10) rounded to 4 decimals.
import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Rng } from "../../dist/core/index.js";

export const ROWS = 1_000_000;
export const COLUMNS = 50;
export const MISSING = 0.05;
export const SEED = 20260101;

/** Generates the CSV at `path` unless it is already there; returns its size in bytes. */
export async function generate(path) {
  if (existsSync(path)) return statSync(path).size;
  mkdirSync(dirname(path), { recursive: true });
  const rng = new Rng(SEED);
  const temporary = `${path}.tmp`;
  const out = createWriteStream(temporary);
  const header = Array.from({ length: COLUMNS }, (_, j) => `x${j}`).join(",");
  out.write(`${header}\n`);
  const batch = [];
  for (let i = 0; i < ROWS; i++) {
    const cells = new Array(COLUMNS);
    for (let j = 0; j < COLUMNS; j++) {
      const missing = rng.next() < MISSING;
      const value = j + (1 + j / 10) * rng.normal();
      cells[j] = missing ? "" : String(Math.round(value * 1e4) / 1e4);
    }
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

export const LATE_ROWS = 1_000_000;
export const LATE_COLUMNS = 20;
export const LATE_FROM = 900_000;

/**
 * Writes the late-decimals input: LATE_ROWS rows × LATE_COLUMNS columns of whole numbers
 * until row LATE_FROM, then numbers with 4 decimals (and 5% missing throughout), from the
 * same seed. A reader that guesses the types from a sample reads the late decimals as
 * integers; pandas reads every value exactly. Returns the size in bytes.
 */
export async function generateLate(path) {
  if (existsSync(path)) return statSync(path).size;
  mkdirSync(dirname(path), { recursive: true });
  const rng = new Rng(SEED + 1);
  const temporary = `${path}.tmp`;
  const out = createWriteStream(temporary);
  out.write(`${Array.from({ length: LATE_COLUMNS }, (_, j) => `x${j}`).join(",")}\n`);
  const batch = [];
  for (let i = 0; i < LATE_ROWS; i++) {
    const cells = new Array(LATE_COLUMNS);
    for (let j = 0; j < LATE_COLUMNS; j++) {
      const missing = rng.next() < MISSING;
      const value = j * 10 + (1 + j) * rng.normal();
      const scale = i < LATE_FROM ? 1 : 1e4;
      cells[j] = missing ? "" : String(Math.round(value * scale) / scale);
    }
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
