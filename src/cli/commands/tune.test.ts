import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { METRIC_NAMES, resolveMetric } from "../../evaluate/index.js";
import { openTracking } from "../../track/index.js";
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

  const regressionData = join(dir, "regression.csv");
  writeFileSync(
    regressionData,
    `x1,x2,y\n${Array.from({ length: 120 }, (_, i) => `${i % 17},${(i * 7) % 5},${((i % 17) * 2 + ((i * 7) % 5)).toFixed(1)}`).join("\n")}\n`,
  );
  const tiny = join(dir, "tiny-space.json");
  writeFileSync(tiny, JSON.stringify({ nEstimators: 5, maxDepth: { low: 2, high: 3 } }));
  const tune = (extra: string[], file = data) => {
    const io = captureIo();
    const args = ["tune", "--data", file, "--target", "y", "--trials", "2", "--cv", "2"];
    return runCli([...args, "--space", tiny, "--out", join(dir, "m"), "--json", ...extra], io).then(
      (code) => ({ code, io }),
    );
  };

  it("tunes on every metric --metric accepts, with its parameter or the documented default", async () => {
    for (const name of METRIC_NAMES) {
      const regression = ["rmse", "mae", "r2", "mape"].includes(name);
      const { code, io } = await tune(
        ["--metric", name, ...(regression ? [] : ["--positive", "Yes"])],
        regression ? regressionData : data,
      );
      expect({ name, code, stderr: io.stderr() }).toEqual({ name, code: 0, stderr: "" });
      const summary = JSON.parse(io.stdout());
      expect(summary.metric).toBe(resolveMetric(name).key);
      expect(summary.trials.COMPLETE).toBe(2);
    }
    const { code, io } = await tune([
      "--positive",
      "Yes",
      "--metric",
      "precisionAtRecall",
      "--recall",
      "0.6",
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout()).metric).toBe("precisionAtRecall@0.6");
    const lift = await tune(["--positive", "Yes", "--metric", "liftAt", "--k", "0.2"]);
    expect(JSON.parse(lift.io.stdout()).metric).toBe("liftAt@0.2");
  });

  it("refuses a metric parameter the metric does not take, naming the metrics that do", async () => {
    const { code, io } = await tune(["--positive", "Yes", "--metric", "rocAuc", "--recall", "0.8"]);
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(
      /--recall does not apply to --metric rocAuc; it sets the level of precisionAtRecall, thresholdAtRecall/,
    );
    const bad = await tune(["--positive", "Yes", "--metric", "liftAt", "--k", "3"]);
    expect(bad.io.stderr()).toMatch(/--k must be a number in \(0, 1\]\. Got '3'/);
  });

  it("accepts parameter aliases in --space (learning_rate), and refuses a name given twice", async () => {
    const aliased = join(dir, "alias-space.json");
    writeFileSync(
      aliased,
      JSON.stringify({ n_estimators: 5, learning_rate: { low: 0.05, high: 0.3, log: true } }),
    );
    const io = captureIo();
    const args = ["tune", "--data", data, "--target", "y", "--positive", "Yes", "--trials", "2"];
    const code = await runCli(
      [...args, "--cv", "2", "--space", aliased, "--out", join(dir, "alias"), "--json"],
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(io.stdout()).bestParams).sort()).toEqual([
      "learningRate",
      "nEstimators",
    ]);
    const twice = join(dir, "twice-space.json");
    writeFileSync(twice, JSON.stringify({ eta: 0.1, learningRate: { low: 0.05, high: 0.3 } }));
    const io2 = captureIo();
    expect(await runCli([...args, "--space", twice, "--out", join(dir, "t")], io2)).toBe(2);
    expect(io2.stderr()).toMatch(/\$\.learningRate: 'learningRate' and 'eta' both name/);
  });

  it.each(["SIGINT", "SIGTERM"] as const)(
    "on %s: fails the running trial, ends the parent run KILLED, writes the best-so-far bundle, exits 130",
    async (signal) => {
      const root = mkdtempSync(join(tmpdir(), `keel-tune-${signal}-`));
      const listening = {
        SIGINT: process.listenerCount("SIGINT"),
        SIGTERM: process.listenerCount("SIGTERM"),
      };
      const out = join(root, "best");
      const io = captureIo();
      const args = ["tune", "--data", data, "--target", "y", "--positive", "Yes", "--cv", "3"];
      const running = runCli(
        [...args, "--trials", "500", "--space", space, "--experiment", "sigint", "--out", out],
        { ...io, cwd: root },
      );
      // Interrupt once two trials are tracked (as nested runs of the study's run).
      const tracking = await openTracking({ root });
      try {
        for (let i = 0; i < 600; i++) {
          await new Promise((r) => setTimeout(r, 50));
          const experiment = await tracking.experiments.getByName("sigint");
          const runs =
            experiment === undefined
              ? undefined
              : await tracking.runs.search({ experimentIds: [experiment.experimentId] });
          if ((runs?.items.length ?? 0) >= 3) break;
        }
        process.kill(process.pid, signal);
        const code = await running;
        expect(code).toBe(130);
        expect(io.stderr()).toMatch(
          /Interrupted after \d+ trials; best-so-far bundle \(trial \d+\) written to /,
        );
        expect(io.stderr()).toContain(out);
        expect(existsSync(join(out, "keel-model.json"))).toBe(true);
        const experiment = await tracking.experiments.getByName("sigint");
        const runs = (
          await tracking.runs.search({ experimentIds: [experiment?.experimentId as string] })
        ).items;
        const parent = runs.find((r) => r.info.runName === "tune-y");
        expect(parent?.info.status).toBe("KILLED");
        const trials = runs.filter((r) => r !== parent);
        expect(trials.length).toBeGreaterThanOrEqual(2);
        expect(trials.length).toBeLessThan(500);
        expect(trials.every((r) => r.info.status !== "RUNNING")).toBe(true);
        // The signal handlers are gone again: nothing left listening.
        expect(process.listenerCount("SIGTERM")).toBe(listening.SIGTERM);
        expect(process.listenerCount("SIGINT")).toBe(listening.SIGINT);
      } finally {
        await tracking.close();
        rmSync(root, { recursive: true, force: true });
      }
    },
  );

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
