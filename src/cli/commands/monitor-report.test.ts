import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const TELCO = join(import.meta.dirname, "..", "..", "..", "data", "telco_churn.csv");
const MONTHLY = 18; // monthly_charges
const CONTRACT = 15;
const TENURE = 5;

/**
 * Rewrites monthly_charges × 1.2 on the rows of one segment (month-to-month contracts), and with
 * `tenure` also halves their tenure (newer customers: the model's strongest churn signal).
 */
function shiftSegment(line: string, tenure = false): string {
  const cells = line.split(",");
  if (cells[CONTRACT] !== '"Month-to-month"') return line;
  cells[MONTHLY] = String(Math.round(Number(cells[MONTHLY]) * 1.2 * 100) / 100);
  if (tenure) cells[TENURE] = String(Math.floor(Number(cells[TENURE]) / 2));
  return cells.join(",");
}

describe("keel monitor report on Telco", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-monitor-"));
    const lines = (await readFile(TELCO, "utf8")).trimEnd().split("\n");
    const header = lines[0] as string;
    // Every other row: two halves of the same population.
    const odd = lines.slice(1).filter((_, i) => i % 2 === 1);
    const even = lines.slice(1).filter((_, i) => i % 2 === 0);
    await writeFile(join(dir, "reference.csv"), `${[header, ...even].join("\n")}\n`);
    await writeFile(join(dir, "current.csv"), `${[header, ...odd].join("\n")}\n`);
    await writeFile(
      join(dir, "shifted.csv"),
      `${[header, ...odd.map((l) => shiftSegment(l))].join("\n")}\n`,
    );
    await writeFile(
      join(dir, "shifted-tenure.csv"),
      `${[header, ...odd.map((l) => shiftSegment(l, true))].join("\n")}\n`,
    );
    await writeFile(join(dir, "empty.csv"), `${header}\n`);
    await writeFile(join(dir, "one-row.csv"), `${[header, odd[0]].join("\n")}\n`);
    const infinite = odd.map((l, i) => {
      const cells = l.split(",");
      if (i % 4 === 0) cells[MONTHLY] = i % 8 ? "Infinity" : "-Infinity";
      return cells.join(",");
    });
    await writeFile(join(dir, "infinite.csv"), `${[header, ...infinite].join("\n")}\n`);
    await writeFile(
      join(dir, "no-charges.csv"),
      `${[header.split(",").slice(0, MONTHLY).join(","), ...odd.slice(0, 50).map((l) => l.split(",").slice(0, MONTHLY).join(","))].join("\n")}\n`,
    );
    const io = captureIo(dir);
    const code = await runCli(
      [
        "train",
        "--data",
        "reference.csv",
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--param",
        "nEstimators=60",
        "--out",
        "model",
      ],
      io,
    );
    expect(code, io.stderr()).toBe(0);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function report(args: string[]) {
    const io = captureIo(dir);
    const code = await runCli(["monitor", "report", ...args], io);
    return { code, io };
  }

  it("finds no drift between two halves of the same data", async () => {
    const { code, io } = await report([
      "--reference",
      "reference.csv",
      "--current",
      "current.csv",
      "--json",
    ]);
    const out = JSON.parse(io.stdout());
    expect(code, io.stderr()).toBe(0);
    expect(out.datasetDrift).toBe(false);
    expect(
      Object.entries(out.columns).filter(([, c]) => (c as { drifted: boolean }).drifted),
    ).toEqual([]);
  });

  it("flags exactly monthly_charges after a +20% shift for month-to-month contracts", async () => {
    const { code, io } = await report([
      "--reference",
      "reference.csv",
      "--current",
      "shifted.csv",
      "--json",
    ]);
    expect(code, io.stderr()).toBe(0); // one drifted column of 20 is no dataset drift
    const out = JSON.parse(io.stdout());
    const drifted = Object.entries(out.columns)
      .filter(([, c]) => (c as { drifted: boolean }).drifted)
      .map(([n]) => n);
    expect(drifted).toEqual(["monthly_charges"]);
    expect(out.columns.monthly_charges).toMatchObject({ test: "wasserstein", threshold: 0.1 });
    expect(Object.keys(out).sort()).toEqual(["columns", "datasetDrift", "driftShare"]);

    // Against the model: its stored profile, and the model's own scores on the shifted rows.
    const html = join(dir, "drift.html");
    const fromModel = await report([
      "--reference",
      "model",
      "--current",
      "shifted.csv",
      "--html",
      html,
    ]);
    expect(fromModel.code, fromModel.io.stderr()).toBe(0);
    expect(fromModel.io.stdout()).toMatch(/monthly_charges\s+wasserstein\s+[\d.]+\s+0\.1\s+DRIFT/);
    // The model barely reacts to higher charges alone (mean P(churn) moves about 3%).
    expect(fromModel.io.stdout()).toMatch(/Prediction 'prediction'.*\(within 10%\)/);
    expect(await readFile(html, "utf8")).toContain("monthly_charges");
  }, 60_000);

  it("flags exactly the shifted features and the prediction shift when the segment's tenure halves too", async () => {
    const { io } = await report([
      "--reference",
      "model",
      "--current",
      "shifted-tenure.csv",
      "--json",
    ]);
    const out = JSON.parse(io.stdout());
    const drifted = Object.entries(out.columns)
      .filter(([, c]) => (c as { drifted: boolean }).drifted)
      .map(([n]) => n);
    expect(drifted.sort()).toEqual(["monthly_charges", "tenure"]);
    const human = await report(["--reference", "model", "--current", "shifted-tenure.csv"]);
    expect(human.io.stdout()).toMatch(
      /Prediction 'prediction'.*relative shift [\d.]+% \(above 10%\)/,
    );
    const unshifted = await report(["--reference", "model", "--current", "current.csv"]);
    expect(unshifted.io.stdout()).toMatch(/Prediction 'prediction'.*\(within 10%\)/);
  }, 60_000);

  it("exits 1 on dataset drift", async () => {
    const { code, io } = await report([
      "--reference",
      "reference.csv",
      "--current",
      "shifted.csv",
      "--drift-share",
      "0.05",
      "--json",
    ]);
    expect(code).toBe(1);
    expect(JSON.parse(io.stdout()).datasetDrift).toBe(true);
  });

  it("refuses an HTML path it cannot write and a drift share outside (0, 1], exit 2, no hang", async () => {
    const base = ["--reference", "reference.csv", "--current", "reference.csv"];
    for (const out of [dir, "/proc/keel-nope/drift.html"]) {
      const { code, io } = await report([...base, "--html", out]);
      expect(code).toBe(2);
      expect(io.stderr()).toContain("KEEL_ERR_WRITE_FAILED");
      expect(io.stderr()).toContain(out);
    }
    for (const share of ["0", "1.5"]) {
      const { code, io } = await report([...base, "--drift-share", share]);
      expect(code).toBe(2);
      expect(io.stderr()).toContain("--drift-share must be above 0 and at most 1");
    }
  }, 60_000);

  it("answers bad input with a result or an error naming the column", async () => {
    const empty = await report([
      "--reference",
      "reference.csv",
      "--current",
      "empty.csv",
      "--json",
    ]);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.io.stdout()).insufficientData).toContain("monthly_charges");
    const missing = await report(["--reference", "reference.csv", "--current", "no-charges.csv"]);
    expect(missing.code).toBe(2);
    expect(missing.io.stderr()).toContain("'monthly_charges'");
    const badTest = await report([
      "--reference",
      "reference.csv",
      "--current",
      "current.csv",
      "--stattest",
      "nope",
    ]);
    expect(badTest.code).toBe(2);
    expect(badTest.io.stderr()).toContain("--stattest must be one of");
  });

  it("says 'insufficient data' for a window below --min-rows instead of flagging every column", async () => {
    for (const reference of ["reference.csv", "model"]) {
      const base = ["--reference", reference, "--current", "one-row.csv"];
      const json = await report([...base, "--json"]);
      expect(json.code, json.io.stderr()).toBe(0);
      const summary = JSON.parse(json.io.stdout());
      expect(summary).toMatchObject({
        status: "insufficient data",
        datasetDrift: false,
        driftShare: 0,
      });
      expect(summary.columns).toEqual({});
      expect(summary.insufficientData).toContain("tenure");
      const text = await report([...base, "--html", "one-row.html"]);
      expect(text.code).toBe(0);
      expect(text.io.stdout()).toContain(
        "Insufficient data: no column has 500 values on both sides",
      );
      if (reference === "model")
        expect(text.io.stdout()).toContain("Prediction 'prediction': insufficient data");
      expect(await readFile(join(dir, "one-row.html"), "utf8")).toContain("Insufficient data");
      // Testing the one row anyway (--min-rows 1) is what used to happen: everything drifts.
      const forced = await report([...base, "--min-rows", "1", "--json"]);
      expect(forced.code).toBe(1);
    }
    const bad = await report([
      "--reference",
      "reference.csv",
      "--current",
      "one-row.csv",
      "--min-rows",
      "2.5",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.io.stderr()).toContain("--min-rows must be a whole number");
  }, 60_000);

  it("scores infinite inputs as missing for the prediction shift instead of failing the report", async () => {
    const { code, io } = await report([
      "--reference",
      "model",
      "--current",
      "infinite.csv",
      "--json",
    ]);
    expect(code, io.stderr()).toBe(0);
    expect(io.stderr()).toContain("note: 881 infinite input values scored as missing");
    const summary = JSON.parse(io.stdout());
    expect(summary.columns.monthly_charges).toMatchObject({ drifted: false });
    expect(summary.datasetDrift).toBe(false);
  }, 60_000);
});
