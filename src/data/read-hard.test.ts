import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cellAt, KeelError } from "../core/index.js";
import { readFrame } from "./index.js";
import { parseTimestamp } from "./infer-kind.js";

// Inputs a data engineer throws at a reader, compared with pandas 1.5.3's read_csv.

const scratch = () => mkdtempSync(join(tmpdir(), "keel-hard-"));

function file(name: string, text: string | Uint8Array): string {
  const path = join(scratch(), name);
  writeFileSync(path, text);
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

describe("readFrame on hard inputs", () => {
  it("reads a late text value in a numeric column of a file that holds an underscore", async () => {
    // The underscore anywhere switches numeric columns to a guarded cast, whose failure
    // DuckDB words differently ("when casting from source column").
    const lines = ["v,w", "1_000,1"];
    for (let i = 0; i < 25_000; i++) lines.push(`${i},${i}`);
    lines.push("7,x");
    const frame = await readFrame(file("us.csv", `${lines.join("\n")}\n`));
    expect(frame.column("v").kind).not.toBe("numeric");
    expect(cellAt(frame.column("w"), 25_001)).toBe("x");
    expect(cellAt(frame.column("w"), 0)).toBe("1");
  });

  it("treats pandas' default missing spellings as missing, past the sample too", async () => {
    const tokens = ["n/a", "#N/A", "#N/A N/A", "#NA", "<NA>", "-NaN", "-nan", "1.#IND", "1.#QNAN"];
    const lines = ["v"];
    for (let i = 0; i < 25_000; i++) lines.push(`${i}.5`);
    lines.push(...tokens);
    const frame = await readFrame(file("na.csv", `${lines.join("\n")}\n`));
    const v = frame.numeric("v");
    expect(v[0]).toBe(0.5);
    expect(Array.from(v.subarray(25_000)).every(Number.isNaN)).toBe(true);
    const kept = await readFrame(file("na2.csv", "c\nn/a\n#N/A\n"), { keepDefaultNa: false });
    expect([0, 1].map((r) => cellAt(kept.column("c"), r))).toEqual(["n/a", "#N/A"]);
  });

  it("refuses a time zone offset that cannot exist instead of shifting the time", () => {
    expect(parseTimestamp("2024-01-05 10:00:00+99:99")).toBeUndefined();
    expect(parseTimestamp("2024-01-05 10:00:00+05:60")).toBeUndefined();
    expect(parseTimestamp("2024-01-05 10:00:00-2400")).toBeUndefined();
    expect(parseTimestamp("2024-01-05 10:00:00+23:59")).toBe(
      Date.UTC(2024, 0, 5, 10) - (23 * 60 + 59) * 60_000,
    );
  });

  it("skips blank lines before the header, as pandas does", async () => {
    for (const text of [
      "\n\na,b\n1,x\n2,y\n",
      "\r\n\r\na,b\r\n1,x\r\n2,y\r\n",
      "\ufeff\na,b\n1,x\n2,y\n",
    ]) {
      const frame = await readFrame(file("blank.csv", text));
      expect(frame.columnNames).toEqual(["a", "b"]);
      expect(Array.from(frame.numeric("a"))).toEqual([1, 2]);
    }
    const ragged = await readError(readFrame(file("blank-ragged.csv", "\n\na,b\n1,x\n2\n")));
    expect(ragged.code).toBe("KEEL_ERR_RAGGED_ROW");
    expect(ragged.message).toContain(":5:");
  });

  it("refuses a separator or quote of more than one byte instead of a false ragged row", async () => {
    const data = file("euro.csv", "a€b\n1€x\n");
    for (const options of [{ sep: "€" }, { quote: "«" }]) {
      const error = await readError(readFrame(data, options));
      expect(error.code).toBe("KEEL_ERR_INVALID_ARGUMENT");
      expect(error.message).toContain("one ASCII character");
    }
  });

  it("never rounds a JSON-lines integer beyond the int64 range (DuckDB types it DOUBLE)", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 25_000; i++) lines.push(JSON.stringify({ id: i, x: i + 0.5 }));
    lines.push('{"id":18446744073709551616,"x":1e20}', '{"id":-9223372036854775809,"x":-0.0}');
    const frame = await readFrame(file("big.jsonl", `${lines.join("\n")}\n`));
    const id = frame.column("id");
    expect(id.kind).not.toBe("numeric");
    expect([25_000, 25_001].map((r) => cellAt(id, r))).toEqual([
      "18446744073709551616",
      "-9223372036854775809",
    ]);
    expect(cellAt(id, 3)).toBe("3");
    // A float column whose floats are large is still numbers.
    const x = frame.numeric("x");
    expect([x[0], x[25_000], Object.is(x[25_001], -0)]).toEqual([0.5, 1e20, true]);
    const queried = await readFrame(file("big.jsonl", `${lines.join("\n")}\n`), {
      sql: "SELECT id FROM data",
    });
    expect(cellAt(queried.column("id"), 25_000)).toBe("18446744073709551616");
  });

  it("keeps '+-1' and NaN spellings pandas does not know as text, past the sample", async () => {
    for (const [odd, spread] of [
      ["+-1", ["a", "b"]],
      ["NAN", ["a", "b"]],
      ["+nan", ["a", "b"]],
    ] as const) {
      const lines = ["v,w"];
      for (let i = 0; i < 25_000; i++) lines.push(`${i}.5,${spread[i % 2]}`);
      lines.push(`${odd},a`);
      const frame = await readFrame(file("odd.csv", `${lines.join("\n")}\n`));
      const v = frame.column("v");
      expect(v.kind, odd).not.toBe("numeric");
      expect(cellAt(v, 25_000)).toBe(odd);
      expect(cellAt(v, 1)).toBe("1.5");
    }
  });

  it("calls a file holding only a byte order mark empty", async () => {
    const error = await readError(readFrame(file("bom.csv", "\ufeff")));
    expect(error.code).toBe("KEEL_ERR_FILE_EMPTY");
  });

  it("reports a query's own failure as a SQL error, not as an unreadable file", async () => {
    const data = file("d.csv", "a,b\n1,x\n");
    for (const sql of [
      "SELECT * FROM read_text('/etc/hostname')",
      "SELECT CAST(b AS INTEGER) AS b FROM data",
      "SELECT error('boom') AS e",
    ]) {
      const error = await readError(readFrame(data, { sql }));
      expect(error.code, sql).toBe("KEEL_ERR_SQL");
      expect(error.message).toContain("the query failed");
    }
  });
});
