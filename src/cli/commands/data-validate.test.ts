import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const fixture = (name: string) => `src/data/fixtures/${name}`;

describe("keel data validate", () => {
  it("exits 0 when every check passes, with a table of results", async () => {
    const io = captureIo();
    const code = await runCli(
      ["data", "validate", "data/telco_churn.csv", "--checks", "data/telco-checks.json"],
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^data\/telco_churn\.csv: (\d+) of \1 checks passed\n/);
    expect(io.stdout()).toMatch(/range\s+tenure\s+pass\s+0/);
  });

  it("exits 1 when a check fails, and --json prints the documented shape", async () => {
    const io = captureIo();
    const code = await runCli(
      [
        "data",
        "validate",
        fixture("people.csv"),
        "--checks",
        fixture("people-checks.json"),
        "--json",
      ],
      io,
    );
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout()) as {
      passed: boolean;
      results: Record<string, unknown>[];
    };
    expect(report.passed).toBe(false);
    expect(Object.keys(report.results[0] ?? {})).toEqual([
      "check",
      "column",
      "passed",
      "failingRows",
      "sample",
    ]);
    expect(report.results.find((r) => r.check === "sql")).toEqual({
      check: "sql",
      column: null,
      passed: false,
      failingRows: 1,
      sample: [
        {
          id: "c-4",
          age: 29,
          joined: Date.UTC(2026, 3, 5),
          active: false,
          plan: "basic",
          score: -3,
        },
      ],
    });
  });

  it("shows failing checks in the table", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-cli-"));
    const checks = join(dir, "checks.json");
    writeFileSync(checks, JSON.stringify({ checks: [{ check: "range", column: "age", max: 40 }] }));
    const io = captureIo();
    expect(await runCli(["data", "validate", fixture("people.csv"), "--checks", checks], io)).toBe(
      1,
    );
    expect(io.stdout()).toContain("0 of 1 checks passed (1 failed)");
    expect(io.stdout()).toMatch(/range\s+age\s+FAIL\s+1\s+row=1 value=45/);
  });

  it("exits 2 on an unknown check, a check on a missing column, or no --checks", async () => {
    const unknown = captureIo();
    expect(
      await runCli(
        ["data", "validate", fixture("people.csv"), "--checks", fixture("unknown-check.json")],
        unknown,
      ),
    ).toBe(2);
    expect(unknown.stderr()).toMatch(
      /^error KEEL_ERR_CHECK_INVALID: src\/data\/fixtures\/unknown-check\.json: checks\[1\]\.check: unknown check 'notNul'\. Did you mean 'notNull'\?/,
    );
    expect(unknown.stderr().trim().split("\n")).toHaveLength(1);

    const dir = mkdtempSync(join(tmpdir(), "keel-cli-"));
    const checks = join(dir, "checks.json");
    writeFileSync(checks, JSON.stringify({ checks: [{ check: "notNull", column: "plann" }] }));
    const column = captureIo();
    expect(
      await runCli(["data", "validate", fixture("people.csv"), "--checks", checks], column),
    ).toBe(2);
    expect(column.stderr()).toBe(
      `error KEEL_ERR_CHECK_INVALID: ${checks}: checks[0].column: the data has no column 'plann'. Did you mean 'plan'?\n`,
    );

    const usage = captureIo();
    expect(await runCli(["data", "validate", fixture("people.csv")], usage)).toBe(2);
    expect(usage.stderr()).toContain("needs --checks CHECKS.json");
  });
});
