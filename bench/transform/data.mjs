// The benchmark's input, written once to bench/.data/transform/: 1,000,000 rows × 50 columns,
// 40 numeric (Normal(j, 1 + j/10), 5% missing) and 10 categorical with 2–50 levels (Zipf-like
// frequencies, 3% missing), from a fixed seed. Both systems read the same raw files:
// numeric.f64 (column-major float64, NaN = missing) and categorical.i32 (column-major codes,
// -1 = missing), plus meta.json with names and levels.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../dist/core/index.js";

export const ROWS = 1_000_000;
export const NUMERIC = 40;
export const LEVELS = [2, 3, 5, 8, 12, 18, 25, 32, 40, 50];
export const SEED = 20261127;

/** Writes the data under `dir` unless present; returns the paths and metadata. */
export function ensureData(dir) {
  const meta = join(dir, "meta.json");
  if (!existsSync(meta)) {
    mkdirSync(dir, { recursive: true });
    const rng = new Rng(SEED);
    const numeric = new Float64Array(NUMERIC * ROWS);
    for (let j = 0; j < NUMERIC; j++) {
      for (let i = 0; i < ROWS; i++) {
        numeric[j * ROWS + i] = rng.next() < 0.05 ? Number.NaN : j + (1 + j / 10) * rng.normal();
      }
    }
    const codes = new Int32Array(LEVELS.length * ROWS);
    LEVELS.forEach((levels, j) => {
      // Zipf-like: level k has weight 1 / (k + 1).
      const cumulative = [];
      let total = 0;
      for (let k = 0; k < levels; k++) {
        total += 1 / (k + 1);
        cumulative.push(total);
      }
      for (let i = 0; i < ROWS; i++) {
        if (rng.next() < 0.03) {
          codes[j * ROWS + i] = -1;
          continue;
        }
        const u = rng.next() * total;
        let k = 0;
        while (cumulative[k] < u) k++;
        codes[j * ROWS + i] = k;
      }
    });
    writeFileSync(join(dir, "numeric.f64"), new Uint8Array(numeric.buffer));
    writeFileSync(join(dir, "categorical.i32"), new Uint8Array(codes.buffer));
    writeFileSync(
      meta,
      JSON.stringify({
        rows: ROWS,
        numeric: Array.from({ length: NUMERIC }, (_, j) => `num_${j}`),
        categorical: LEVELS.map((_, j) => `cat_${j}`),
        levels: LEVELS.map((n, j) =>
          Array.from({ length: n }, (_, k) => `c${j}_level_${String(k).padStart(2, "0")}`),
        ),
      }),
    );
  }
  return { dir, meta: JSON.parse(readFileSync(meta, "utf8")) };
}
