import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConfiguredMonitor } from "../../config/index.js";
import { readFrame } from "../../data/index.js";
import { loadModel } from "../../models/index.js";
import { openServingStore, type PredictionLogEntry } from "../../serve/index.js";
import { MonitoringStore, openDatabase } from "../../store/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const REPLAY_DAY = Date.UTC(2025, 2, 2);
const TELCO = join(import.meta.dirname, "..", "..", "..", "data", "telco_churn.csv");

describe("keel monitor run / alerts over the serving prediction log", () => {
  let dir = "";
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.end("ok");
    });
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-monitor-run-"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
    const lines = (await readFile(TELCO, "utf8")).trimEnd().split("\n");
    const header = lines[0] as string;
    const even = lines.slice(1).filter((_, i) => i % 2 === 0);
    // The live traffic: month-to-month customers arrive with half the tenure and 20% higher charges.
    const live = lines
      .slice(1)
      .filter((_, i) => i % 2 === 1)
      .map((line) => {
        const cells = line.split(",");
        if (cells[15] !== '"Month-to-month"') return line;
        cells[5] = String(Math.floor(Number(cells[5]) / 2));
        cells[18] = String(Math.round(Number(cells[18]) * 120) / 100);
        return cells.join(",");
      });
    await writeFile(join(dir, "reference.csv"), `${[header, ...even].join("\n")}\n`);
    await writeFile(join(dir, "live.csv"), `${[header, ...live].join("\n")}\n`);
    const io = captureIo(dir);
    expect(
      await runCli(
        [
          "train",
          "--data",
          "reference.csv",
          "--target",
          "churn",
          "--positive",
          "Yes",
          "--param",
          "nEstimators=40",
          "--out",
          "model",
        ],
        io,
      ),
      io.stderr(),
    ).toBe(0);
    await writeFile(
      join(dir, "keel.config.ts"),
      `import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { definePipeline, step } from "keel";

// The retraining pipeline the drift alert starts: it records the params it ran with.
const retrain = definePipeline({
  name: "retrain",
  params: { note: "", alertKind: "" },
  steps: {
    fit: step({ run: (ctx) => { appendFileSync(join(ctx.root, "retrained.jsonl"), JSON.stringify(ctx.params) + "\\n"); return {}; } }),
  },
});

export default {
  pipelines: [retrain],
  monitors: [
    {
      name: "churn-daily",
      deployment: "churn",
      reference: "model",
      window: "daily",
      performance: { tolerance: 0.3 },
      alerts: { sinks: [{ type: "file", path: "alerts.jsonl" }, { type: "webhook", url: ${JSON.stringify(url)}, backoffMs: 10 }], cooldownMinutes: 60 },
    },
    {
      name: "churn-retrain",
      deployment: "churn",
      reference: "model",
      window: "daily",
      alerts: { sinks: [{ type: "pipeline", pipeline: "retrain", params: { note: "drift" } }], cooldownMinutes: 60 },
    },
    { name: "ab-all", deployment: "ab", reference: "model", window: "daily", performance: false },
    { name: "ab-champion", deployment: "ab", reference: "model", window: "daily", performance: false, variant: "champion" },
    { name: "ab-reference", deployment: "ab", reference: "model", window: "daily", performance: false, modelVersion: "reference" },
    {
      name: "churn-typo",
      deployment: "churn",
      reference: "model",
      window: "daily",
      alerts: { sinks: [{ type: "pipeline", pipeline: "retrian" }] },
    },
  ],
};
`,
    );
    // The deployment served the live rows an hour ago; feedback labels arrived for all of them.
    const bundle = await loadModel(join(dir, "model"));
    const frame = await readFrame(join(dir, "live.csv"));
    const x = frame.drop(["churn"]);
    const proba = bundle.predictProba(x);
    const now = Date.now();
    const entries: PredictionLogEntry[] = Array.from({ length: x.nRows }, (_, i) => ({
      requestId: `r${i}`,
      time: now - 3_600_000 + i,
      deployment: "churn",
      variant: "champion",
      modelVersion: "1",
      input: x.row(i),
      output: { prediction: proba[2 * i + 1] as number },
      latencyMs: 0.5,
    }));
    // A 90/10-style A/B deployment "ab" on the reference rows: the champion (the bundle
    // directory, logged as version "local") answers as the model does; a challenger (version
    // 9) answers 0.95 for everyone. Only a check that mixes them in sees a prediction shift.
    const reference = (await readFrame(join(dir, "reference.csv"))).drop(["churn"]);
    const referenceProba = bundle.predictProba(reference);
    const ab: PredictionLogEntry[] = Array.from({ length: 1800 }, (_, i) => {
      const challenger = i % 3 === 0;
      return {
        requestId: `ab${i}`,
        time: now - 3_600_000 + i,
        deployment: "ab",
        variant: challenger ? "challenger" : "champion",
        modelVersion: challenger ? "9" : "local",
        input: reference.row(i),
        output: { prediction: challenger ? 0.95 : (referenceProba[2 * i + 1] as number) },
        latencyMs: 0.5,
      };
    });
    const database = await openDatabase({ root: dir });
    try {
      const store = openServingStore(database);
      await store.appendPredictions(entries);
      await store.appendPredictions(ab);
      // A replay: 600 of the reference rows scored now, stamped with a simulated day of 2025.
      await store.appendPredictions(
        ab.slice(0, 600).map((e, i) => ({
          ...e,
          requestId: `replay${i}`,
          deployment: "replay",
          variant: "champion",
          modelVersion: "local",
          time: REPLAY_DAY + i * 60_000,
          receivedAt: now,
        })),
      );
      const churn = frame.categorical("churn");
      for (let i = 0; i < x.nRows; i++) {
        await store.recordFeedback({
          deployment: "churn",
          requestId: `r${i}`,
          label: churn.categories[churn.codes[i] as number] as string,
          time: now,
        });
      }
    } finally {
      await database.close();
    }
  }, 180_000);
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("flags the prediction shift, delivers the alert once per cooldown and records the run", async () => {
    const io = captureIo(dir);
    const code = await runCli(["monitor", "run", "churn-daily", "--json"], io);
    expect(code, io.stderr()).toBe(1);
    const run = JSON.parse(io.stdout());
    expect(run.rows).toBe(3521);
    expect(run.datasetDrift).toBe(false);
    expect(run.prediction.shifted).toBe(true);
    expect(run.performance).toMatchObject({ labelled: 3521, degraded: false });
    expect(run.alerts).toEqual(["prediction-shift"]);
    expect(run.deliveries.map((d: { status: string }) => d.status)).toEqual([
      "delivered",
      "delivered",
    ]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ monitor: "churn-daily", kind: "prediction-shift" });
    expect((await readFile(join(dir, "alerts.jsonl"), "utf8")).trim().split("\n")).toHaveLength(1);

    const again = captureIo(dir);
    expect(await runCli(["monitor", "run", "churn-daily", "--json"], again)).toBe(1);
    expect(JSON.parse(again.stdout()).deliveries.map((d: { status: string }) => d.status)).toEqual([
      "suppressed",
      "suppressed",
    ]);
    expect(received).toHaveLength(1);

    const listed = captureIo(dir);
    expect(await runCli(["monitor", "alerts", "--json"], listed)).toBe(0);
    expect(JSON.parse(listed.stdout()).map((d: { status: string }) => d.status)).toEqual([
      "suppressed",
      "suppressed",
      "delivered",
      "delivered",
    ]);
    const table = captureIo(dir);
    await runCli(["monitor", "alerts"], table);
    expect(table.stdout()).toMatch(
      /churn-daily\s+prediction-shift\s+webhook:http:\/\/127\.0\.0\.1:\d+\/alerts\s+delivered\s+1/,
    );

    const database = await openDatabase({ root: dir });
    try {
      const results = await new MonitoringStore(database).listResults({ monitor: "churn-daily" });
      expect(results).toHaveLength(2);
      expect(results[0]?.predictionShift).toBeGreaterThan(0.1);
    } finally {
      await database.close();
    }
  }, 60_000);

  it("starts the retraining pipeline on an alert, once per cooldown, recorded like other deliveries", async () => {
    const io = captureIo(dir);
    expect(await runCli(["monitor", "run", "churn-retrain", "--json"], io), io.stderr()).toBe(1);
    const run = JSON.parse(io.stdout());
    // Two alerts in one run (no tolerance set: the AUC check alerts too) start one retraining.
    expect(run.alerts).toEqual(["prediction-shift", "performance-drop"]);
    expect(run.deliveries).toEqual([
      { kind: "prediction-shift", sink: "pipeline:retrain", status: "delivered", attempts: 1 },
      { kind: "performance-drop", sink: "pipeline:retrain", status: "suppressed", attempts: 0 },
    ]);
    const ran = (await readFile(join(dir, "retrained.jsonl"), "utf8")).trim().split("\n");
    expect(ran).toHaveLength(1);
    expect(JSON.parse(ran[0] as string)).toMatchObject({
      note: "drift",
      alertKind: "prediction-shift",
      reason: expect.stringContaining("mean prediction"),
    });
    const runs = captureIo(dir);
    expect(await runCli(["pipelines", "runs", "retrain", "--json"], runs), runs.stderr()).toBe(0);
    expect(JSON.parse(runs.stdout())).toMatchObject([
      { pipeline: "retrain", status: "succeeded", trigger: "trigger:monitor:churn-retrain" },
    ]);

    const again = captureIo(dir);
    expect(await runCli(["monitor", "run", "churn-retrain", "--json"], again)).toBe(1);
    expect(JSON.parse(again.stdout()).deliveries.map((d: { status: string }) => d.status)).toEqual([
      "suppressed",
      "suppressed",
    ]);
    expect((await readFile(join(dir, "retrained.jsonl"), "utf8")).trim().split("\n")).toHaveLength(
      1,
    );

    const listed = captureIo(dir);
    expect(
      await runCli(["monitor", "alerts", "--monitor", "churn-retrain", "--json"], listed),
    ).toBe(0);
    expect(
      JSON.parse(listed.stdout()).map(
        (d: { sink: string; status: string }) => `${d.sink} ${d.status}`,
      ),
    ).toEqual([
      "pipeline:retrain suppressed",
      "pipeline:retrain suppressed",
      "pipeline:retrain suppressed",
      "pipeline:retrain delivered",
    ]);
  }, 60_000);

  it("judges only the variant or model version a monitor names, and records the scope", async () => {
    const run = async (...args: string[]) => {
      const io = captureIo(dir);
      const code = await runCli(["monitor", "run", ...args, "--json"], io);
      expect(io.stderr()).not.toMatch(/\n\s+at /);
      return { code, out: code === 2 ? null : JSON.parse(io.stdout()), err: io.stderr() };
    };
    // Unfiltered, the challenger's answers drag the mean prediction far from the reference.
    const mixed = await run("ab-all");
    expect(mixed.out.rows).toBe(1800);
    expect(mixed.out.scope).toBeNull();
    expect(mixed.out.prediction.shifted).toBe(true);
    const champion = await run("ab-champion");
    expect(champion.out).toMatchObject({ rows: 1200, scope: { variant: "champion" } });
    expect(champion.out.prediction.shifted).toBe(false);
    expect(champion.code).toBe(0);
    // "reference": the version the reference resolves to (a bundle directory logs "local").
    const own = await run("ab-reference");
    expect(own.out).toMatchObject({ rows: 1200, scope: { modelVersion: "local" } });
    expect(own.out.prediction.shifted).toBe(false);
    // The flags override the definition's filters for one run.
    const flagged = await run("ab-champion", "--variant", "challenger", "--model-version", "9");
    expect(flagged.out).toMatchObject({
      rows: 600,
      scope: { variant: "challenger", modelVersion: "9" },
    });
    expect(flagged.out.prediction.shifted).toBe(true);
    const bad = await run("ab-all", "--model-version", "latest");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--model-version: expected a version number");
    const withFile = await run("ab-all", "--variant", "champion", "--current", "live.csv");
    expect(withFile.code).toBe(2);
    expect(withFile.err).toContain("cannot go together");
  }, 60_000);

  it("windows a replay by its event times: the simulated day holds its entries, today none", async () => {
    const database = await openDatabase({ root: dir });
    try {
      const definition = { name: "replay-daily", deployment: "replay", reference: "model" };
      const options = { root: dir, pipelines: [], database };
      const simulated = await runConfiguredMonitor(definition, {
        ...options,
        windowEnd: REPLAY_DAY + 86_400_000,
      });
      expect(simulated.rows).toBe(600);
      expect(simulated.report.status).not.toBe("insufficient data");
      const today = await runConfiguredMonitor(definition, options);
      expect(today.rows).toBe(0);
    } finally {
      await database.close();
    }
  }, 60_000);

  it("names a pipeline sink's unknown pipeline before running the monitor", async () => {
    const io = captureIo(dir);
    expect(await runCli(["monitor", "run", "churn-typo"], io)).toBe(2);
    expect(io.stderr()).toContain("retrian");
    expect(io.stderr()).not.toMatch(/\n\s+at /);
  });

  it("names an unknown monitor and suggests the closest", async () => {
    const io = captureIo(dir);
    expect(await runCli(["monitor", "run", "churn-dialy"], io)).toBe(2);
    expect(io.stderr()).toContain("did you mean 'churn-daily'");
  });
});
