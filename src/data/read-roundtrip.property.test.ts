import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  booleanColumn,
  type CellValue,
  type Column,
  categoricalFromValues,
  cellAt,
  Frame,
  numericColumn,
  Rng,
  stringColumn,
  timestampColumn,
} from "../core/index.js";
import { readFrame, writeFrame } from "./index.js";

/** Rows before the tricky ones: well past DuckDB's 20,480-row type-sniffing sample. */
const PLAIN_ROWS = 50_000;
const TRICKY_ROWS = 300;

const TRICKY_TEXT = [
  "x".repeat(100_000),
  'quote " inside',
  "comma, inside",
  "line\nbreak",
  "crlf\r\nbreak",
  " leading and trailing ",
  "02134",
  "9007199254740993",
  "ünïcødé ✓ 中文 🙂",
  "tab\there",
  "semi;colon",
  "0x1F",
  "1_000",
  "2024-02-30",
];

const EDGE_DATES = [
  "0001-01-01T00:00:00.123Z",
  "9999-12-31T23:59:59.999Z",
  "1969-12-31T23:59:59.999Z",
  "2024-02-29T00:00:00Z",
  "1900-02-28T12:34:56.789Z",
];

/** A random frame of every kind, plain for PLAIN_ROWS rows and tricky after. */
function randomFrame(seed: number, options: { underscores: boolean }): Frame {
  // A file without '_' takes the reader's fast path for numbers, one with it the guarded one.
  const tricky = TRICKY_TEXT.filter((t) => options.underscores || !t.includes("_"));
  const rng = new Rng(seed);
  const n = PLAIN_ROWS + TRICKY_ROWS;
  const missing = () => rng.next() < 0.03;
  const counts = new Float64Array(n);
  const measures = new Float64Array(n);
  const flags = new Int8Array(n);
  const days = new Float64Array(n);
  const labels: (string | null)[] = [];
  const notes: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const late = i >= PLAIN_ROWS;
    // Integers only until the tricky rows, then decimals, huge and tiny values.
    counts[i] = missing()
      ? Number.NaN
      : late
        ? [1.5, 2.4, -1.5, 1e-3, 3.999, 1e300, 5e-324, -2.5e-308, 1.7976931348623157e308][
            rng.int(9)
          ]!
        : rng.int(1000) - 500;
    measures[i] = missing() ? Number.NaN : rng.normal() * 10 ** (rng.int(20) - 10);
    flags[i] = missing() ? -1 : rng.int(2);
    // Dates at midnight until the tricky rows, then times of day and edge dates.
    const day = Date.UTC(2000 + rng.int(30), rng.int(12), 1 + rng.int(28));
    days[i] = missing()
      ? Number.NaN
      : late
        ? rng.next() < 0.5
          ? day + rng.int(86_400_000)
          : Date.parse(EDGE_DATES[rng.int(EDGE_DATES.length)]!)
        : day;
    labels.push(
      missing() ? null : late ? `späte Kategorie ${rng.int(5)} "q", x` : `plan-${rng.int(40)}`,
    );
    notes.push(
      missing()
        ? null
        : late
          ? tricky[rng.int(tricky.length)]!
          : `note ${i} ${rng.int(1e9).toString(36)}`,
    );
  }
  return Frame.fromColumns({
    counts: numericColumn(counts),
    measures: numericColumn(measures),
    flags: booleanColumn(flags),
    days: timestampColumn(days),
    labels: categoricalFromValues(labels),
    notes: stringColumn(notes),
  });
}

function writeJsonLines(frame: Frame, path: string): void {
  const lines: string[] = [];
  for (let row = 0; row < frame.nRows; row++) {
    const record: Record<string, CellValue> = {};
    for (const [name, column] of frame.entries()) {
      const value = cellAt(column, row);
      record[name] =
        value !== null && column.kind === "timestamp"
          ? new Date(value as number).toISOString()
          : value;
    }
    lines.push(JSON.stringify(record));
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

function expectSameColumn(name: string, got: Column, expected: Column): void {
  expect(got.kind, name).toBe(expected.kind);
  const n = expected.kind === "categorical" ? expected.codes.length : expected.values.length;
  const mismatches: string[] = [];
  for (let row = 0; row < n && mismatches.length < 5; row++) {
    const a = cellAt(got, row);
    const b = cellAt(expected, row);
    if (!Object.is(a, b)) mismatches.push(`row ${row}: got ${String(a)}, expected ${String(b)}`);
  }
  expect(mismatches, name).toEqual([]);
}

describe("readFrame reads back exactly what was written, tricky rows after row 50,000", () => {
  const frames = [
    randomFrame(20_261_206, { underscores: true }),
    randomFrame(7, { underscores: false }),
  ];
  const directory = mkdtempSync(join(tmpdir(), "keel-roundtrip-"));

  it.each([
    ["csv", "frame.csv", 0],
    ["csv", "plain.csv", 1],
    ["parquet", "frame.parquet", 0],
    ["jsonl", "frame.jsonl", 0],
  ])(
    "through %s (%s)",
    async (format, file, which) => {
      const frame = frames[which] as Frame;
      const path = join(directory, file);
      if (format === "jsonl") writeJsonLines(frame, path);
      else await writeFrame(frame, path);
      const back = await readFrame(path);
      expect(back.nRows).toBe(frame.nRows);
      expect(back.columnNames).toEqual(frame.columnNames);
      for (const [name, column] of frame.entries()) {
        expectSameColumn(`${format}: ${name}`, back.column(name), column);
      }
    },
    120_000,
  );
});
