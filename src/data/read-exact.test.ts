import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cellAt, Frame, KeelError, numericColumn, stringColumn } from "../core/index.js";
import { profileFrame, readFrame, runChecks, writeFrame } from "./index.js";

const scratch = () => mkdtempSync(join(tmpdir(), "keel-exact-"));

/** A CSV with `rows` lines of `fill(i)` for one column `v`, then `tail` lines. */
function lateCsv(rows: number, fill: (i: number) => string, tail: readonly string[]): string {
  const path = join(scratch(), "late.csv");
  const lines = ["v"];
  for (let i = 0; i < rows; i++) lines.push(fill(i));
  lines.push(...tail);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

async function readError(promise: Promise<unknown>): Promise<KeelError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeelError) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

describe("readFrame never changes a value past DuckDB's sample", () => {
  it("keeps decimals that follow 20,480 integers", async () => {
    const tail = ["1.5", "2.4", "0.5", "-1.5", "2.5", "1e-3", "3.999"];
    const frame = await readFrame(lateCsv(20_480, (i) => String(i % 7), tail));
    const v = frame.numeric("v");
    expect(Array.from(v.subarray(20_480))).toEqual([1.5, 2.4, 0.5, -1.5, 2.5, 0.001, 3.999]);
  });

  it("keeps hex, underscores and binary as text, as pandas does", async () => {
    const frame = await readFrame(lateCsv(25_000, (i) => String(i), ["0x1F", "1_000", "0b11"]));
    const column = frame.column("v");
    expect(column.kind === "string" || column.kind === "categorical").toBe(true);
    expect([25_000, 25_001, 25_002].map((r) => cellAt(column, r))).toEqual([
      "0x1F",
      "1_000",
      "0b11",
    ]);
    expect(cellAt(column, 7)).toBe("7");
  });

  it("reads a lone underscore number anywhere as text, not 1000", async () => {
    const frame = await readFrame(lateCsv(10, (i) => String(i), ["1_000"]));
    expect(cellAt(frame.column("v"), 10)).toBe("1_000");
  });

  it("keeps the time of day in a date column after the sample", async () => {
    const frame = await readFrame(
      lateCsv(21_000, () => "2024-01-05", ["2024-01-05 23:00:00", "2024-01-06T01:30:00+02:00"]),
    );
    const t = frame.column("v");
    expect(t.kind).toBe("timestamp");
    expect(cellAt(t, 21_000)).toBe(Date.UTC(2024, 0, 5, 23));
    expect(cellAt(t, 21_001)).toBe(Date.UTC(2024, 0, 5, 23, 30));
  });

  it("reads a declared text kind as the file's bytes", async () => {
    const path = lateCsv(3, (i) => ["1.10", "2.00", "1e5"][i] as string, []);
    for (const kind of ["string", "categorical"] as const) {
      const frame = await readFrame(path, { schema: { v: kind } });
      expect([0, 1, 2].map((r) => cellAt(frame.column("v"), r))).toEqual(["1.10", "2.00", "1e5"]);
    }
    const zips = lateCsv(30_000, (i) => String(10_000 + (i % 80_000)), ["02134"]);
    const frame = await readFrame(zips, { schema: [{ name: "v", kind: "string" }] });
    expect(cellAt(frame.column("v"), 30_000)).toBe("02134");
  });

  it("refuses an impossible date, naming file, line and column", async () => {
    const path = lateCsv(25_000, () => "2024-02-28", ["2024-02-30"]);
    const error = await readError(readFrame(path));
    expect(error.code).toBe("KEEL_ERR_TYPE_MISMATCH");
    expect(error.message).toContain(`${path}:25002: column 'v'`);
    expect(error.message).toContain("no such date");
    expect(error.details).toMatchObject({ line: 25_002, column: "v", got: "2024-02-30" });
    const declared = await readError(
      readFrame(
        lateCsv(2, () => "2023-01-01", ["2023-02-29"]),
        { schema: { v: "timestamp" } },
      ),
    );
    expect(declared.code).toBe("KEEL_ERR_TYPE_MISMATCH");
  });

  it("never rounds integers beyond 2^53 in CSV or Parquet: they stay text", async () => {
    const path = lateCsv(25_000, (i) => String(i), ["9007199254740993", "9007199254740992"]);
    const frame = await readFrame(path);
    const ids = frame.column("v");
    expect(ids.kind === "string" || ids.kind === "categorical").toBe(true);
    expect(cellAt(ids, 25_000)).toBe("9007199254740993");
    expect(cellAt(ids, 25_001)).toBe("9007199254740992");
    const report = await runChecks(frame, [{ check: "unique", column: "v" }]);
    expect(report.passed).toBe(true);
    expect(profileFrame(frame).columns[0]?.note).toContain("beyond ±2^53");
    const declared = await readError(readFrame(path, { schema: { v: "numeric" } }));
    expect(declared.message).toContain("2^53");

    // The same ids in a Parquet file (DuckDB writes them as BIGINT).
    const parquet = join(scratch(), "ids.parquet");
    const { withDuckDb } = await import("./duckdb-session.js");
    await withDuckDb(async (session) => {
      await session.connection.run(
        `COPY (SELECT * FROM (VALUES (9007199254740993::BIGINT, 1.5), (9007199254740992::BIGINT, 2.5)) t(id, x)) TO '${parquet}' (FORMAT parquet)`,
      );
    });
    const fromParquet = await readFrame(parquet);
    expect(cellAt(fromParquet.column("id"), 0)).toBe("9007199254740993");
    expect(cellAt(fromParquet.column("id"), 1)).toBe("9007199254740992");
    expect(fromParquet.numeric("x")[1]).toBe(2.5);
  });
});

describe("readFrame reads headers as RFC 4180 and pandas do", () => {
  const csv = (text: string) => {
    const path = join(scratch(), "h.csv");
    writeFileSync(path, text);
    return path;
  };

  it("takes quotes inside header names as pandas does", async () => {
    const a = await readFrame(csv('a,"b"c\n1,2\n3,4\n'));
    expect(a.columnNames).toEqual(["a", "bc"]);
    expect(a.nRows).toBe(2);
    expect(a.numeric("bc")).toEqual(Float64Array.of(2, 4));
    const b = await readFrame(csv('a,b"c\n1,2\n'));
    expect(b.columnNames).toEqual(["a", 'b"c']);
    expect(b.nRows).toBe(1);
    const c = await readFrame(csv('Screen size ("),Price\n15,300\n17,400\n'));
    expect(c.columnNames).toEqual(['Screen size (")', "Price"]);
    expect(c.numeric("Price")).toEqual(Float64Array.of(300, 400));
    const d = await readFrame(csv('id,"multi\nline ""name"""\n1,2\n'));
    expect(d.columnNames).toEqual(["id", 'multi\nline "name"']);
    expect(d.row(0)).toEqual({ id: 1, 'multi\nline "name"': 2 });
  });

  it("names the user's file and line when a header DuckDB cannot skip precedes a bad row", async () => {
    const path = csv('a,"b"c\n1,2\n3,4,5\n');
    const error = await readError(readFrame(path));
    expect(error.code).toBe("KEEL_ERR_RAGGED_ROW");
    expect(error.message).toBe(`${path}:3: expected 2 fields (as in the header), got 3.`);
  });

  it("reads a header longer than 64 KiB", async () => {
    const names = Array.from({ length: 4000 }, (_, i) => `a_rather_long_column_name_${i}`);
    const frame = await readFrame(csv(`${names.join(",")}\n${names.map((_, i) => i).join(",")}\n`));
    expect(frame.columnNames).toEqual(names);
    expect(frame.row(0)[names[3999] as string]).toBe(3999);
  });

  it("keeps names that differ only in case", async () => {
    const frame = await readFrame(csv("A,a\n1,x\n2,y\n"));
    expect(frame.columnNames).toEqual(["A", "a"]);
    expect(frame.numeric("A")).toEqual(Float64Array.of(1, 2));
    const query = await readFrame(csv("A,b\n1,x\n2,y\n"), { sql: "SELECT * FROM data -- all\n" });
    expect(query.columnNames).toEqual(["A", "b"]);
  });

  it("skips blank lines in a single-column file, as pandas does", async () => {
    const frame = await readFrame(csv("v\n1\n\n2\n\n"));
    expect(frame.numeric("v")).toEqual(Float64Array.of(1, 2));
  });
});

describe("readFrame options sep, quote, naValues and keepDefaultNa", () => {
  it("reads another delimiter and quote", async () => {
    const path = join(scratch(), "semi.csv");
    writeFileSync(path, "name;price\n'a;b';1,5\n'it''s';2\n");
    const frame = await readFrame(path, { sep: ";", quote: "'" });
    expect(frame.row(0)).toEqual({ name: "a;b", price: "1,5" });
    expect(frame.row(1)).toEqual({ name: "it's", price: "2" });
  });

  it("keeps Namibia's NA with keepDefaultNa false; naValues adds spellings", async () => {
    const path = join(scratch(), "countries.csv");
    writeFileSync(path, "code,score\nNA,1\nFR,-\nNA,3\nDE,4\n");
    const kept = await readFrame(path, { keepDefaultNa: false, naValues: ["-"] });
    expect(kept.row(0)).toMatchObject({ code: "NA" });
    expect(kept.numeric("score")[1]).toBeNaN();
    const nothing = await readFrame(path, { keepDefaultNa: false });
    // As pandas: with no missing spellings at all, '-' is text, so score is text too.
    expect(nothing.row(1)).toMatchObject({ code: "FR", score: "-" });
    const dropped = await readFrame(path, { naValues: ["-"] });
    expect(dropped.row(0)).toMatchObject({ code: null });
  });

  it("refuses a bad option or an unknown kind with a message, not a crash", async () => {
    const path = join(scratch(), "x.csv");
    writeFileSync(path, "a\n1\n");
    expect((await readError(readFrame(path, { sep: ";;" }))).code).toBe(
      "KEEL_ERR_INVALID_ARGUMENT",
    );
    const kind = await readError(readFrame(path, { schema: { a: "int" as unknown as "numeric" } }));
    expect(kind.code).toBe("KEEL_ERR_INVALID_ARGUMENT");
    expect(kind.message).toContain("schema.a: expected a column kind");
  });
});

describe("SQL over a file", () => {
  const csv = () => {
    const path = join(scratch(), "d.csv");
    writeFileSync(path, "a,b\n1,x\n2,y\n");
    return path;
  };

  it("allows comments and a trailing semicolon; refuses a second statement", async () => {
    const frame = await readFrame(csv(), { sql: "SELECT a FROM data -- only a\n; -- done" });
    expect(frame.columnNames).toEqual(["a"]);
    const two = await readError(
      readFrame(csv(), { sql: "SELECT 1; COPY (SELECT 42) TO '/tmp/x.csv'" }),
    );
    expect(two.code).toBe("KEEL_ERR_SQL");
    expect(two.message).toContain("one SQL statement");
  });

  it("cannot read or write any file but the data file", async () => {
    const secret = join(scratch(), "secret.csv");
    writeFileSync(secret, "s\nsecret-value\n");
    const read = await readError(readFrame(csv(), { sql: `SELECT * FROM read_csv('${secret}')` }));
    expect(read.message).toContain("disabled by configuration");
    expect(read.message).not.toContain("secret-value");
    const database = await readError(
      readFrame({ duckdb: ":memory:", sql: `SELECT * FROM read_text('${secret}')` }),
    );
    expect(database.code).toBe("KEEL_ERR_SQL");
    expect(database.message).toContain("disabled by configuration");
  });
});

describe("JSON lines", () => {
  it("renders text without quotes and nested values as JSON; sees keys after 20k rows", async () => {
    const path = join(scratch(), "e.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < 21_000; i++) lines.push(JSON.stringify({ id: i, mixed: i % 3, tag: "x" }));
    lines.push(JSON.stringify({ id: 21_000, mixed: "text", tag: "y", extra: { x: 1 } }));
    writeFileSync(path, `${lines.join("\n")}\n`);
    const frame = await readFrame(path);
    expect(frame.row(21_000)).toMatchObject({ mixed: "text", tag: "y", extra: '{"x":1}' });
    expect(frame.row(0)).toMatchObject({ mixed: "0", extra: null });
  });
});

describe("writing and reading back keeps values", () => {
  it("round-trips big and small numbers through CSV", async () => {
    const path = join(scratch(), "r.csv");
    const frame = Frame.fromColumns({
      x: numericColumn([1e-300, 1.7976931348623157e308, -0.1, 123456789.12345679]),
      s: stringColumn(["NAx", "02134", " lead", "ünïcødé"]),
    });
    await writeFrame(frame, path);
    const back = await readFrame(path, { schema: { s: "string" } });
    expect(back.numeric("x")).toEqual(frame.numeric("x"));
    expect([0, 1, 2, 3].map((r) => cellAt(back.column("s"), r))).toEqual([
      "NAx",
      "02134",
      " lead",
      "ünïcødé",
    ]);
  });
});
