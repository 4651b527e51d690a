import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  booleanColumn,
  categoricalFromValues,
  Frame,
  numericColumn,
  stringColumn,
  timestampColumn,
} from "../core/index.js";
import { datasetVersion, readFrame, writeFrame } from "./index.js";

const fixture = (name: string) => `src/data/fixtures/${name}`;
const scratch = () => mkdtempSync(join(tmpdir(), "keel-data-"));

describe("readFrame on the Telco churn data", () => {
  it("reads 7,043 rows and 20 columns with inferred kinds", async () => {
    const frame = await readFrame("data/telco_churn.csv");
    expect(frame.nRows).toBe(7043);
    expect(frame.nColumns).toBe(20);
    // Yes/No stays categorical (DuckDB alone would make it BOOLEAN and lose the labels).
    expect(frame.categorical("churn").categories).toEqual(["No", "Yes"]);
    expect(frame.column("tenure").kind).toBe("numeric");
    expect(frame.numeric("monthly_charges")[0]).toBe(29.85);
    expect(frame.row(1)).toMatchObject({ churn: "No", tenure: 34, contract: "One year" });
  });
});

describe("readFrame formats and kinds", () => {
  it("infers numeric, timestamp, boolean, categorical and string from a CSV", async () => {
    const frame = await readFrame(fixture("people.csv"));
    expect(frame.columnNames).toEqual(["id", "age", "joined", "active", "plan", "score"]);
    expect(Object.fromEntries(frame.entries().map(([n, c]) => [n, c.kind]))).toEqual({
      id: "string",
      age: "numeric",
      joined: "timestamp",
      active: "boolean",
      plan: "categorical",
      score: "numeric",
    });
    expect(frame.numeric("age")[2]).toBeNaN(); // "NA" is missing
    expect(frame.numeric("score")[1]).toBeNaN(); // an empty field is missing
    expect(frame.row(1)).toMatchObject({
      joined: Date.UTC(2026, 1, 3, 10, 0, 0),
      active: false,
      plan: "pro",
    });
  });

  it("reads TSV and JSON lines the same way", async () => {
    const tsv = await readFrame(fixture("people.tsv"));
    const jsonl = await readFrame(fixture("people.jsonl"));
    expect(tsv.numeric("age")).toEqual(Float64Array.of(31, 45, Number.NaN, 29));
    expect(jsonl.numeric("age")).toEqual(Float64Array.of(31, 45, Number.NaN, 29));
    expect(jsonl.column("active").kind).toBe("boolean");
    expect(jsonl.row(1)).toMatchObject({ id: "c-2", plan: "pro", active: false });
  });

  it("applies a declared schema, as a list or a partial record", async () => {
    const asList = await readFrame(fixture("people.csv"), {
      schema: [
        { name: "id", kind: "categorical" },
        { name: "active", kind: "string" },
      ],
    });
    expect(asList.column("id").kind).toBe("categorical");
    expect(asList.row(0)).toMatchObject({ active: "true" });
    const asRecord = await readFrame(fixture("people.tsv"), { schema: { age: "categorical" } });
    expect(asRecord.categorical("age").categories).toEqual(["29", "31", "45"]);
  });

  it("runs a query over a file, which sees it as the table `data`", async () => {
    const frame = await readFrame(fixture("people.csv"), {
      sql: "SELECT plan, count(*) AS n FROM data GROUP BY plan ORDER BY plan",
    });
    expect(frame.toRecords()).toEqual([
      { plan: "basic", n: 3 },
      { plan: "pro", n: 1 },
    ]);
  });

  it("reads a column as text when a late value does not fit the sniffed type", async () => {
    const dir = scratch();
    const path = join(dir, "late.csv");
    const lines = ["x,y", ...Array.from({ length: 30_000 }, (_, i) => `${i},a`), "oops,a"];
    writeFileSync(path, `${lines.join("\n")}\n`);
    const frame = await readFrame(path);
    expect(frame.nRows).toBe(30_001);
    expect(frame.column("x").kind).toBe("string");
  });

  it("queries DuckDB databases", async () => {
    const frame = await readFrame({
      duckdb: ":memory:",
      sql: "SELECT range AS i, range % 2 = 0 AS even, 'k' || (range % 3) AS k, TIMESTAMP '2026-01-01' AS at FROM range(10)",
    });
    expect(frame.nRows).toBe(10);
    expect(frame.column("even").kind).toBe("boolean");
    expect(frame.column("k").kind).toBe("categorical");
    expect(frame.row(4)).toEqual({ i: 4, even: true, k: "k1", at: Date.UTC(2026, 0, 1) });
  });
});

describe("writeFrame", () => {
  const frame = Frame.fromColumns({
    x: numericColumn([1.5, Number.NaN, -2, 1e-12]),
    plan: categoricalFromValues(["basic", null, "pro", "basic, extra"]),
    active: booleanColumn([true, false, null, true]),
    at: timestampColumn([Date.UTC(2026, 0, 1), Number.NaN, Date.UTC(2026, 5, 1, 12), 0]),
    note: stringColumn(['say "hi"', null, "line", "x"]),
  });

  for (const extension of ["csv", "parquet"]) {
    it(`round-trips through ${extension}`, async () => {
      const path = join(scratch(), `frame.${extension}`);
      await writeFrame(frame, path);
      const back = await readFrame(path, { schema: { plan: "categorical", note: "string" } });
      expect(back.toRecords()).toEqual(frame.toRecords());
    });
  }

  it("leaves nothing behind when the target directory does not exist", async () => {
    const path = join(scratch(), "missing-dir", "frame.csv");
    await expect(writeFrame(frame, path)).rejects.toMatchObject({ code: "KEEL_ERR_WRITE_FAILED" });
  });
});

describe("datasetVersion", () => {
  it("is the SHA-256 of a file's bytes", async () => {
    const path = join(scratch(), "a.csv");
    writeFileSync(path, "a\n1\n");
    expect(await datasetVersion(path)).toBe(createHash("sha256").update("a\n1\n").digest("hex"));
  });

  it("hashes a frame by names, kinds and cells, not by how its dictionary was built", async () => {
    const a = Frame.fromColumns({ c: categoricalFromValues(["x", "y", null]) });
    const b = Frame.fromColumns({ c: categoricalFromValues(["x", "y", null], ["y", "x", "z"]) });
    const c = Frame.fromColumns({ c: categoricalFromValues(["x", "x", null]) });
    expect(await datasetVersion(a)).toBe(await datasetVersion(b));
    expect(await datasetVersion(a)).not.toBe(await datasetVersion(c));
    expect(await datasetVersion(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names a missing file", async () => {
    await expect(datasetVersion("nope.csv")).rejects.toMatchObject({
      code: "KEEL_ERR_FILE_NOT_FOUND",
    });
  });
});

describe("readFrame row counting", () => {
  it("reads quoted line breaks and blank trailing lines", async () => {
    const path = join(scratch(), "multiline.csv");
    writeFileSync(path, 'id,note\n1,"two\nlines"\n2,plain\n\n\n');
    const frame = await readFrame(path, { schema: { note: "string" } });
    expect(frame.toRecords()).toEqual([
      { id: 1, note: "two\nlines" },
      { id: 2, note: "plain" },
    ]);
  });

  it("reads a file without a final line break", async () => {
    const path = join(scratch(), "no-eol.csv");
    writeFileSync(path, "a,b\n1,2\n3,4");
    expect((await readFrame(path)).numeric("b")).toEqual(Float64Array.of(2, 4));
  });
});
