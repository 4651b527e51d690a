import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const fixture = (name: string) => `src/data/fixtures/${name}`;

describe("keel data profile", () => {
  it("reads with --sep, --quote, --na-value and --no-default-na", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-cli-read-"));
    const file = join(dir, "countries.csv");
    writeFileSync(file, "code;score;note\nNA;1;'a;b'\nFR;-;x\nNA;3;y\nDE;4;z\n");
    const io = captureIo();
    const args = ["data", "profile", file, "--sep", ";", "--quote", "'", "--json"];
    expect(await runCli([...args, "--na-value", "-", "--no-default-na"], io)).toBe(0);
    const profile = JSON.parse(io.stdout()) as {
      columns: { name: string; kind: string; missing: number; distinct: number }[];
    };
    const byName = Object.fromEntries(profile.columns.map((c) => [c.name, c]));
    // NA is Namibia here, not a missing value: 3 distinct codes of 4, none missing.
    expect(byName.code).toMatchObject({ kind: "string", missing: 0, distinct: 3 });
    expect(byName.score).toMatchObject({ kind: "numeric", missing: 1 });
    expect(profile.columns.map((c) => c.name)).toEqual(["code", "score", "note"]);
  });

  it("shows 7,043 rows and 20 columns for the Telco data", async () => {
    const io = captureIo();
    expect(await runCli(["data", "profile", "data/telco_churn.csv"], io)).toBe(0);
    const lines = io.stdout().split("\n");
    expect(lines[0]).toMatch(
      /^data\/telco_churn\.csv: 7,043 rows × 20 columns \(sha256 [0-9a-f]{12}\)$/,
    );
    expect(lines[2]).toMatch(
      /^column\s+kind\s+missing\s+distinct\s+min\s+max\s+mean\s+std\s+p5\s+p25\s+p50\s+p75\s+p95\s+top$/,
    );
    expect(io.stdout()).toMatch(
      /tenure\s+numeric\s+0\s+73\s+0\s+72\s+32\.3711\s+24\.5595\s+1\s+9\s+29\s+55\s+72/,
    );
    expect(io.stdout()).toMatch(/churn\s+categorical\s+0\s+2\s+No \(5174\), Yes \(1869\)/);
    expect(io.stderr()).toBe("");
  });

  it("prints the profile as one JSON document with --json", async () => {
    const io = captureIo();
    expect(await runCli(["data", "profile", fixture("people.csv"), "--json"], io)).toBe(0);
    const profile = JSON.parse(io.stdout()) as { rows: number; columns: Record<string, unknown>[] };
    expect(profile.rows).toBe(4);
    expect(Object.keys(profile.columns[0] ?? {})).toEqual([
      "name",
      "kind",
      "missing",
      "distinct",
      "min",
      "max",
      "mean",
      "std",
      "quantiles",
      "top",
    ]);
    expect(profile.columns.find((c) => c.name === "age")).toMatchObject({
      kind: "numeric",
      missing: 1,
      distinct: 3,
      min: 29,
      max: 45,
      quantiles: { p50: 31 },
      top: null,
    });
  });

  it("prints a missing file and a ragged row as one-line errors with exit 2", async () => {
    const missing = captureIo();
    expect(await runCli(["data", "profile", "nope.csv"], missing)).toBe(2);
    expect(missing.stderr()).toBe("error KEEL_ERR_FILE_NOT_FOUND: nope.csv: no such file.\n");
    const ragged = captureIo();
    expect(await runCli(["data", "profile", fixture("ragged.csv")], ragged)).toBe(2);
    expect(ragged.stderr()).toBe(
      "error KEEL_ERR_RAGGED_ROW: src/data/fixtures/ragged.csv:3: expected 3 fields (as in the header), got 2.\n",
    );
    expect(ragged.stdout()).toBe("");
  });

  it("resolves the file against the working directory", async () => {
    const io = captureIo(join(process.cwd(), "src/data/fixtures"));
    expect(await runCli(["data", "profile", "people.tsv", "--json"], io)).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ rows: 4 });
  });
});

const binary = "dist/cli/main.js";
if (!existsSync(binary))
  console.log(`Skipping the built-binary test: ${binary} is missing (run npm run build).`);

describe.skipIf(!existsSync(binary))("the built keel binary", () => {
  it("profiles the Telco data and fails cleanly on a missing file", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [
      binary,
      "data",
      "profile",
      "data/telco_churn.csv",
    ]);
    expect(stdout).toContain("data/telco_churn.csv: 7,043 rows × 20 columns");
    const failed = await run(process.execPath, [binary, "data", "profile", "nope.csv"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({
      code: 2,
      stderr: "error KEEL_ERR_FILE_NOT_FOUND: nope.csv: no such file.\n",
    });
  });
});
