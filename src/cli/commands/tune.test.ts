import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const dir = mkdtempSync(join(tmpdir(), "keel-tune-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small binary problem: y depends on x1 and the category, x2 is noise. */
function writeData(): string {
  const lines = ["x1,x2,segment,y"];
  let s = 12345;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  for (let i = 0; i < 400; i++) {
    const x1 = rand() * 10;
    const x2 = rand();
    const segment = ["a", "b", "c"][i % 3] as string;
    const y = x1 + (segment === "b" ? 3 : 0) + rand() * 4 > 8 ? "Yes" : "No";
    lines.push(`${x1.toFixed(3)},${x2.toFixed(3)},${segment},${y}`);
  }
  const path = join(dir, "data.csv");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("keel tune", () => {
  const data = writeData();
  const space = join(dir, "space.json");
  writeFileSync(
    space,
    JSON.stringify({
      nEstimators: 20,
      learningRate: { low: 0.05, high: 0.5, log: true },
      maxDepth: { low: 2, high: 5 },
    }),
  );

  it("runs the trials, prints best params and value as JSON, and writes the refitted bundle", async () => {
    const io = captureIo();
    const out = join(dir, "model");
    const args = [
      "tune",
      "--data",
      data,
      "--target",
      "y",
      "--positive",
      "Yes",
      "--trials",
      "6",
      "--cv",
      "3",
    ];
    const code = await runCli(
      [...args, "--space", space, "--seed", "3", "--out", out, "--json"],
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(io.stdout());
    expect(summary.metric).toBe("rocAuc");
    expect(summary.bestValue).toBeGreaterThan(0.8);
    expect(Object.keys(summary.bestParams).sort()).toEqual([
      "learningRate",
      "maxDepth",
      "nEstimators",
    ]);
    expect(summary.trials.COMPLETE + summary.trials.PRUNED + summary.trials.FAIL).toBe(6);
    expect(existsSync(join(out, "keel-model.json"))).toBe(true);
  });

  it("rejects an unknown parameter in --space with a suggestion", async () => {
    const bad = join(dir, "bad-space.json");
    writeFileSync(bad, JSON.stringify({ learningRte: { low: 0.01, high: 0.1 } }));
    const io = captureIo();
    const code = await runCli(
      ["tune", "--data", data, "--target", "y", "--space", bad, "--out", join(dir, "x")],
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/KEEL_ERR_SEARCH_SPACE/);
    expect(io.stderr()).toMatch(
      /\$\.learningRte: Gbdt has no parameter 'learningRte'\. Did you mean 'learningRate'\?/,
    );
  });

  it("rejects a bad range in --space naming the JSON path", async () => {
    const bad = join(dir, "bad-range.json");
    writeFileSync(bad, JSON.stringify({ maxDepth: { low: 8, high: 2 } }));
    const io = captureIo();
    const code = await runCli(
      ["tune", "--data", data, "--target", "y", "--space", bad, "--out", join(dir, "x")],
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/\$\.maxDepth: low must be <= high/);
  });

  it("says why when no trial completes, with the first failure's reason", async () => {
    // Two positives cannot fill five stratified folds: every trial fails the same way.
    const tiny = join(dir, "tiny.csv");
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i < 2 ? "Yes" : "No"}`);
    writeFileSync(tiny, `x,y\n${rows.join("\n")}\n`);
    const io = captureIo();
    const code = await runCli(
      ["tune", "--data", tiny, "--target", "y", "--positive", "Yes", "--trials", "2"].concat([
        "--cv",
        "5",
        "--out",
        join(dir, "none"),
      ]),
      io,
    );
    expect(code).not.toBe(0);
    expect(io.stderr()).toMatch(
      /KEEL_ERR_NO_COMPLETED_TRIALS: No trial completed \(2 failed, 0 pruned\)\. Trial 0 failed with: /,
    );
  });
});
