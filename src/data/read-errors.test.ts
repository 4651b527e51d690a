import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isKeelError, type KeelError } from "../core/index.js";
import { readFrame } from "./index.js";

const fixture = (name: string) => `src/data/fixtures/${name}`;

async function failure(promise: Promise<unknown>): Promise<KeelError> {
  try {
    await promise;
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected the read to fail");
}

describe("readFrame errors name the file and the place", () => {
  it("a missing file", async () => {
    const error = await failure(readFrame(fixture("nope.csv")));
    expect(error.code).toBe("KEEL_ERR_FILE_NOT_FOUND");
    expect(error.message).toBe("src/data/fixtures/nope.csv: no such file.");
  });

  it("a directory", async () => {
    const error = await failure(readFrame("src/data/fixtures", { format: "csv" }));
    expect(error.code).toBe("KEEL_ERR_FILE_UNREADABLE");
    expect(error.message).toContain("is a directory");
  });

  it.skipIf(process.getuid?.() === 0)("a file without read permission", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-data-"));
    const path = join(dir, "secret.csv");
    writeFileSync(path, "a\n1\n");
    chmodSync(path, 0o000);
    const error = await failure(readFrame(path));
    expect(error.code).toBe("KEEL_ERR_FILE_UNREADABLE");
    expect(error.message).toContain("permission denied");
  });

  it("an empty file", async () => {
    const error = await failure(readFrame(fixture("empty.csv")));
    expect(error.code).toBe("KEEL_ERR_FILE_EMPTY");
    expect(error.message).toContain("empty.csv: the file is empty");
  });

  it("a ragged row, with its line and the expected and actual field counts", async () => {
    const error = await failure(readFrame(fixture("ragged.csv")));
    expect(error.code).toBe("KEEL_ERR_RAGGED_ROW");
    expect(error.message).toBe(
      "src/data/fixtures/ragged.csv:3: expected 3 fields (as in the header), got 2.",
    );
    expect(error.details).toMatchObject({ line: 3, expected: 3, got: 2 });
  });

  it("a ragged row that the type sniffer would have taken as the header", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-data-"));
    const path = join(dir, "last-row-long.csv");
    writeFileSync(path, "a,b\n1,2\n3,4,5\n");
    const error = await failure(readFrame(path));
    expect(error.code).toBe("KEEL_ERR_RAGGED_ROW");
    expect(error.message).toContain(
      "last-row-long.csv:3: expected 2 fields (as in the header), got 3.",
    );
  });

  it("invalid UTF-8, with its line and byte", async () => {
    const error = await failure(readFrame(fixture("latin1.csv")));
    expect(error.code).toBe("KEEL_ERR_INVALID_UTF8");
    expect(error.message).toContain(
      "src/data/fixtures/latin1.csv:3: invalid UTF-8 at byte offset 19",
    );
  });

  it("a value that does not fit the declared schema, with file:line and column", async () => {
    const error = await failure(readFrame(fixture("bad-age.csv"), { schema: { age: "numeric" } }));
    expect(error.code).toBe("KEEL_ERR_TYPE_MISMATCH");
    expect(error.message).toBe(
      "src/data/fixtures/bad-age.csv:3: column 'age' expected a numeric value. Got 'forty' instead.",
    );
    expect(error.details).toMatchObject({ line: 3, column: "age", got: "forty" });
  });

  it("a declared column the file does not have, with a suggestion", async () => {
    const error = await failure(readFrame(fixture("bad-age.csv"), { schema: { agee: "numeric" } }));
    expect(error.code).toBe("KEEL_ERR_COLUMN_NOT_FOUND");
    expect(error.message).toContain("Did you mean 'age'?");
  });

  it("an unknown extension", async () => {
    const error = await failure(readFrame(fixture("data.xyz")));
    expect(error.code).toBe("KEEL_ERR_UNKNOWN_FORMAT");
    expect(error.message).toContain("data.xyz: cannot tell the data format");
  });

  it("a broken query over a file", async () => {
    const error = await failure(readFrame(fixture("people.csv"), { sql: "SELECT nope FROM data" }));
    expect(error.code).toBe("KEEL_ERR_SQL");
    expect(error.message).toContain("people.csv: the query failed: Binder Error");
  });

  it("a malformed JSON line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-data-"));
    const path = join(dir, "broken.jsonl");
    writeFileSync(path, '{"a": 1}\n{"a": \n');
    const error = await failure(readFrame(path));
    expect(error.code).toBe("KEEL_ERR_PARSE");
    expect(error.message).toContain("broken.jsonl");
  });
});

describe("readFrame errors keep DuckDB's reason", () => {
  const csv = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "keel-reason-")), "r.csv");
    writeFileSync(path, text);
    return path;
  };

  it("says an unterminated quote is one, with its line", async () => {
    const error = await failure(readFrame(csv('a,b\n1,"x\n2,y\n')));
    expect(error.code).toBe("KEEL_ERR_PARSE");
    expect(error.message).toContain("CSV Error on Line: 2");
    expect(error.message).toContain("unterminated quote");
  });

  it("reads a properly quoted 9 MiB field instead of calling it unterminated", async () => {
    const frame = await readFrame(csv(`a,b\n1,"${"x".repeat(9 * 2 ** 20)}"\n2,y\n`));
    expect(frame.nRows).toBe(2);
    expect(String(frame.row(0).b).length).toBe(9 * 2 ** 20);
  });
});
