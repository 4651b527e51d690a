import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  categoricalFromValues,
  Frame,
  isKeelError,
  type KeelError,
  numericColumn,
  stringColumn,
  timestampColumn,
} from "../../core/index.js";
import { readFrame } from "../index.js";
import { loadChecks, parseChecks, runChecks } from "./index.js";
import { REGEX_CHECK_TIMEOUT_MS, regexMatches } from "./regex-matches.js";

const fixture = (name: string) => `src/data/fixtures/${name}`;
const NOW = Date.UTC(2026, 3, 20);

async function failure(work: () => unknown): Promise<KeelError> {
  try {
    await work();
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

describe("runChecks", () => {
  it("runs every kind of check on a file and reports each result", async () => {
    const frame = await readFrame(fixture("people.csv"));
    const checks = await loadChecks(fixture("people-checks.json"));
    const report = await runChecks(frame, checks, { now: NOW });
    const byCheck = Object.fromEntries(report.results.map((r) => [r.check, r]));
    expect(report.passed).toBe(false);
    expect(byCheck.notNull).toMatchObject({ column: "id", passed: true, failingRows: 0 });
    expect(byCheck.unique).toMatchObject({ passed: true });
    // age 31, 45, NA, 29: the missing value passes, every present one is in range.
    expect(byCheck.range).toMatchObject({ passed: true, failingRows: 0 });
    expect(byCheck.allowedValues).toMatchObject({ passed: true });
    expect(byCheck.regex).toMatchObject({ passed: true });
    expect(byCheck.rowCount).toMatchObject({
      passed: true,
      sample: [{ rows: 4, min: 1, max: 10 }],
    });
    expect(byCheck.freshness).toMatchObject({
      passed: true,
      sample: [{ latest: "2026-04-05T00:00:00.000Z", cutoff: "2026-03-21T00:00:00.000Z" }],
    });
    expect(byCheck.schema).toMatchObject({ passed: true, sample: [] });
    expect(byCheck.sql).toMatchObject({
      passed: false,
      failingRows: 1,
      sample: [{ id: "c-4", score: -3 }],
    });
  });

  it("counts and samples failing rows", async () => {
    const frame = Frame.fromColumns({
      id: stringColumn(["a", "b", "a", null, "c", "c"]),
      age: numericColumn([10, 20, 200, Number.NaN, -1, 30]),
      plan: categoricalFromValues(["x", "y", "z", "x", null, "x"]),
    });
    const report = await runChecks(
      frame,
      parseChecks({
        checks: [
          { check: "notNull", column: "id" },
          { check: "unique", column: "id" },
          { check: "range", column: "age", min: 0, max: 100 },
          { check: "allowedValues", column: "plan", values: ["x", "y"] },
          { check: "regex", column: "id", pattern: "[ab]" },
          { check: "rowCount", min: 10 },
          {
            check: "schema",
            columns: [
              { name: "age", kind: "categorical" },
              { name: "zip", kind: "string" },
            ],
          },
        ],
      }),
    );
    expect(report.passed).toBe(false);
    expect(report.results.map((r) => [r.check, r.passed, r.failingRows, r.sample])).toEqual([
      ["notNull", false, 1, [{ row: 3, value: null }]],
      [
        "unique",
        false,
        4,
        [
          { row: 0, value: "a" },
          { row: 2, value: "a" },
          { row: 4, value: "c" },
          { row: 5, value: "c" },
        ],
      ],
      [
        "range",
        false,
        2,
        [
          { row: 2, value: 200 },
          { row: 4, value: -1 },
        ],
      ],
      ["allowedValues", false, 1, [{ row: 2, value: "z" }]],
      [
        "regex",
        false,
        2,
        [
          { row: 4, value: "c" },
          { row: 5, value: "c" },
        ],
      ],
      ["rowCount", false, 0, [{ rows: 6, min: 10, max: null }]],
      [
        "schema",
        false,
        0,
        [
          { column: "age", expected: "categorical", got: "numeric" },
          { column: "zip", expected: "string", got: "missing" },
        ],
      ],
    ]);
  });

  it("fails freshness when the newest timestamp is too old", async () => {
    const frame = await readFrame(fixture("people.csv"));
    const report = await runChecks(
      frame,
      [{ check: "freshness", column: "joined", maxAge: "1d" }],
      { now: NOW },
    );
    expect(report.results[0]).toMatchObject({ passed: false, column: "joined" });
  });

  it("names the JSON path of a check on a missing column, with a suggestion", async () => {
    const frame = await readFrame(fixture("people.csv"));
    const error = await failure(() =>
      runChecks(
        frame,
        [
          { check: "notNull", column: "id" },
          { check: "range", column: "agee", min: 0 },
        ],
        {
          source: "people-checks.json",
        },
      ),
    );
    expect(error.code).toBe("KEEL_ERR_CHECK_INVALID");
    expect(error.message).toBe(
      "people-checks.json: checks[1].column: the data has no column 'agee'. Did you mean 'age'?",
    );
  });

  it("refuses a range check on a text column and a broken sql check", async () => {
    const frame = await readFrame(fixture("people.csv"));
    const kind = await failure(() =>
      runChecks(frame, [{ check: "range", column: "plan", min: 0 }]),
    );
    expect(kind.message).toContain(
      "checks[0]: a range check needs a numeric or timestamp column; 'plan' is categorical.",
    );
    const sql = await failure(() =>
      runChecks(frame, [{ check: "sql", query: "SELECT * FROM nope" }]),
    );
    expect(sql.code).toBe("KEEL_ERR_SQL");
    expect(sql.message).toContain("checks[0].query: the query failed: Catalog Error");
  });
});

describe("parseChecks and loadChecks", () => {
  it("suggests the closest check name for an unknown one", async () => {
    const error = await failure(() => loadChecks(fixture("unknown-check.json")));
    expect(error.code).toBe("KEEL_ERR_CHECK_INVALID");
    expect(error.message).toMatch(
      /^src\/data\/fixtures\/unknown-check\.json: checks\[1\]\.check: unknown check 'notNul'\. Did you mean 'notNull'\?/,
    );
  });

  it("collects every issue with its JSON path", async () => {
    const error = await failure(() =>
      parseChecks({
        checks: [
          { check: "range", column: 5, mn: 0 },
          { check: "allowedValues", column: "a" },
          { check: "rowCount" },
          { check: "regex", column: "a", pattern: "(" },
          "notNull",
        ],
      }),
    );
    expect(error.message).toBe(
      "checks: checks[0].mn: unknown field of a range check 'mn'. Did you mean 'min'? Known: check, column, min, max. (and 6 more issues)",
    );
    expect((error.details.issues as { path: string }[]).map((i) => i.path)).toEqual([
      "checks[0].mn",
      "checks[0].column",
      "checks[0]",
      "checks[1].values",
      "checks[2]",
      "checks[3].pattern",
      "checks[4]",
    ]);
  });

  it("gives the line and column of invalid JSON", async () => {
    const error = await failure(() => loadChecks(fixture("broken-json.json")));
    expect(error.code).toBe("KEEL_ERR_PARSE");
    expect(error.message).toMatch(/^src\/data\/fixtures\/broken-json\.json:3:\d+: invalid JSON/);
  });

  it("names a missing checks file", async () => {
    const error = await failure(() => loadChecks(fixture("nope.json")));
    expect(error.code).toBe("KEEL_ERR_FILE_NOT_FOUND");
  });

  it("rejects a document without a checks list", async () => {
    const error = await failure(() => parseChecks({ check: "notNull" }, "x.json"));
    expect(error.message).toBe(
      'x.json: checks: expected { "checks": [ ... ] }. Got {"check":"notNull"} instead.',
    );
  });
});

const scratch = () => mkdtempSync(join(tmpdir(), "keel-checks-"));

const small = Frame.fromColumns({
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
      const error = await failure(() => runChecks(small, [{ check: "sql", query }]));
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
      const error = await failure(() => runChecks(small, [{ check: "sql", query }]));
      expect(error.code).toBe("KEEL_ERR_SQL");
    }
    expect(existsSync(target)).toBe(false);
  });

  it("allows comments, a trailing semicolon and a self-join", async () => {
    const report = await runChecks(small, [
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
      const report = await runChecks(small, [
        { check: "regex", column: "code", pattern: "a[a-z]", flags },
      ]);
      expect(report.passed).toBe(true);
    }
  });

  it("a regex that backtracks catastrophically is stopped with an error naming the check", async () => {
    const frame = Frame.fromColumns({ b: stringColumn(["ok", `${"a".repeat(120)}b`]) });
    const started = performance.now();
    const error = await runChecks(frame, [{ check: "regex", column: "b", pattern: "(a+)+" }], {
      source: "checks.json",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KEEL_ERR_CHECK_TIMEOUT" });
    expect((error as Error).message).toMatch(
      /^checks\.json: checks\[0\]: the regex \/\(a\+\)\+\/ ran past/,
    );
    expect(performance.now() - started).toBeLessThan(REGEX_CHECK_TIMEOUT_MS + 5_000);
    expect(() => regexMatches("(a+)+", "", [`${"a".repeat(120)}b`], "t", 50)).toThrow(
      /ran past 50 ms/,
    );
    expect([...regexMatches("a+", "i", ["AAA", "ab"], "t")]).toEqual([1, 0]);
  }, 30_000);

  it("regex and allowedValues on a timestamp column see dates, not epoch ms", async () => {
    const report = await runChecks(small, [
      { check: "regex", column: "day", pattern: "2026-01-0[1-3]T00:00:00Z" },
      { check: "allowedValues", column: "day", values: ["2026-01-01", "2026-01-02", "2026-01-03"] },
    ]);
    expect(report.results.map((r) => r.passed)).toEqual([true, true]);
    const bad = await failure(() =>
      runChecks(small, [{ check: "allowedValues", column: "day", values: ["yesterday"] }]),
    );
    expect(bad.code).toBe("KEEL_ERR_CHECK_INVALID");
  });

  it("refuses min > max", async () => {
    const error = await failure(() =>
      parseChecks({ checks: [{ check: "range", column: "id", min: 5, max: 1 }] }),
    );
    expect(error.message).toContain("min (5) is greater than max (1)");
    const dates = await failure(() =>
      runChecks(small, [{ check: "range", column: "day", min: "2026-02-01", max: "2026-01-01" }]),
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
