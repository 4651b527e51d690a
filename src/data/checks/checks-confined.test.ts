import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  Frame,
  isKeelError,
  type KeelError,
  numericColumn,
  stringColumn,
  timestampColumn,
} from "../../core/index.js";
import { loadChecks, parseChecks, runChecks } from "./index.js";

const scratch = () => mkdtempSync(join(tmpdir(), "keel-checks-"));

async function failure(work: () => unknown): Promise<KeelError> {
  try {
    await work();
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

const frame = Frame.fromColumns({
  id: numericColumn([1, 2, 3]),
  code: stringColumn(["ab", "ac", "ad"]),
  day: timestampColumn([Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 3)]),
});

describe("sql checks cannot touch the machine", () => {
  it("cannot read a file outside `data`", async () => {
    const secret = join(scratch(), "secret.csv");
    writeFileSync(secret, "line\nsecret-value\n");
    for (const query of [
      `SELECT * FROM read_csv('${secret}')`,
      `SELECT * FROM read_text('${secret}')`,
      `SELECT * FROM glob('${secret}')`,
    ]) {
      const error = await failure(() => runChecks(frame, [{ check: "sql", query }]));
      expect(error.code).toBe("KEEL_ERR_SQL");
      expect(error.message).toContain("checks: checks[0].query");
      expect(error.message).toContain("disabled by configuration");
      expect(JSON.stringify(error.toJSON())).not.toContain("secret-value");
    }
  });

  it("cannot write a file, run a second statement or switch access back on", async () => {
    const target = join(scratch(), "written.csv");
    const attempts = [
      `SELECT * FROM data WHERE false; COPY (SELECT 42) TO '${target}'`,
      `COPY (SELECT 42) TO '${target}'`,
      "SET enable_external_access = true",
    ];
    for (const query of attempts) {
      const error = await failure(() => runChecks(frame, [{ check: "sql", query }]));
      expect(error.code).toBe("KEEL_ERR_SQL");
    }
    expect(existsSync(target)).toBe(false);
  });

  it("allows comments, a trailing semicolon and a self-join", async () => {
    const report = await runChecks(frame, [
      { check: "sql", query: "SELECT * FROM data WHERE id < 0 -- none are negative" },
      {
        check: "sql",
        query: "/* ids repeat? */ SELECT id FROM data GROUP BY id HAVING count(*) > 1;",
      },
      { check: "sql", query: "SELECT * FROM data a JOIN data b ON a.id = b.id + 1" },
    ]);
    expect(report.results.map((r) => r.passed)).toEqual([true, true, false]);
    expect(report.results[2]?.failingRows).toBe(2);
  });
});

describe("check fixes", () => {
  it("regex with the g or y flag tests every row on its own", async () => {
    for (const flags of ["g", "y", "gi"]) {
      const report = await runChecks(frame, [
        { check: "regex", column: "code", pattern: "a[a-z]", flags },
      ]);
      expect(report.passed).toBe(true);
    }
  });

  it("regex and allowedValues on a timestamp column see dates, not epoch ms", async () => {
    const report = await runChecks(frame, [
      { check: "regex", column: "day", pattern: "2026-01-0[1-3]T00:00:00Z" },
      { check: "allowedValues", column: "day", values: ["2026-01-01", "2026-01-02", "2026-01-03"] },
    ]);
    expect(report.results.map((r) => r.passed)).toEqual([true, true]);
    const bad = await failure(() =>
      runChecks(frame, [{ check: "allowedValues", column: "day", values: [17] }]),
    );
    expect(bad.code).toBe("KEEL_ERR_CHECK_INVALID");
  });

  it("refuses min > max", async () => {
    const error = await failure(() =>
      parseChecks({ checks: [{ check: "range", column: "id", min: 5, max: 1 }] }),
    );
    expect(error.message).toContain("min (5) is greater than max (1)");
    const dates = await failure(() =>
      runChecks(frame, [{ check: "range", column: "day", min: "2026-02-01", max: "2026-01-01" }]),
    );
    expect(dates.code).toBe("KEEL_ERR_CHECK_INVALID");
  });

  it("reads a checks file with a BOM; names line:column of a trailing comma", async () => {
    const dir = scratch();
    const bom = join(dir, "bom.json");
    writeFileSync(bom, '\uFEFF{ "checks": [{ "check": "notNull", "column": "id" }] }');
    expect(await loadChecks(bom)).toHaveLength(1);
    const comma = join(dir, "comma.json");
    writeFileSync(comma, '{ "checks": [\n  { "check": "notNull", "column": "id" },\n] }');
    const error = await failure(() => loadChecks(comma));
    expect(error.code).toBe("KEEL_ERR_PARSE");
    expect(error.message).toContain(`${comma}:3:1`);
  });
});
