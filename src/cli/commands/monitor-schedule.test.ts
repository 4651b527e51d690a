import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.js";
import { readFrame } from "../../data/index.js";
import { loadModel } from "../../models/index.js";
import { type Clock, PipelineStore, runScheduler } from "../../orchestrate/index.js";
import { openServingStore, type PredictionLogEntry } from "../../serve/index.js";
import { MonitoringStore, openDatabase } from "../../store/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const TELCO = join(import.meta.dirname, "..", "..", "..", "data", "telco_churn.csv");
const HOUR = 3_600_000;
const START = Date.parse("2026-03-02T00:00:00Z");

/**
 * A scheduled monitor runs as pipeline `monitor.NAME` under the pipelines' scheduler. The
 * prediction log: hour 0 holds 3 rows (insufficient data), hours 1–6 hold the shifted live
 * traffic (month-to-month customers with a quarter of the tenure and 20% higher charges),
 * hour 7 unshifted traffic (the drift resolved), hour 8 shifted traffic again.
 */
describe("a scheduled monitor, fired by the scheduler on a simulated clock", () => {
  let dir = "";
  const received: { kind: string; monitor: string }[] = [];
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
    dir = await mkdtemp(join(tmpdir(), "keel-monitor-schedule-"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
    const lines = (await readFile(TELCO, "utf8")).trimEnd().split("\n");
    const header = lines[0] as string;
    const even = lines.slice(1).filter((_, i) => i % 2 === 0);
    const live = lines
      .slice(1)
      .filter((_, i) => i % 2 === 1)
      .map((line) => {
        const cells = line.split(",");
        if (cells[15] !== '"Month-to-month"') return line;
        cells[5] = String(Math.floor(Number(cells[5]) / 4));
        cells[18] = String(Math.round(Number(cells[18]) * 120) / 100);
        return cells.join(",");
      });
    await writeFile(join(dir, "reference.csv"), `${[header, ...even].join("\n")}\n`);
    await writeFile(join(dir, "live.csv"), `${[header, ...live].join("\n")}\n`);
    const io = captureIo(dir);
    const train = [
      ...["train", "--data", "reference.csv", "--target", "churn", "--positive", "Yes"],
      ...["--param", "nEstimators=30", "--out", "model"],
    ];
    expect(await runCli(train, io), io.stderr()).toBe(0);
    await writeFile(
      join(dir, "keel.config.ts"),
      `export default {
  monitors: [
    {
      name: "churn-hourly",
      deployment: "churn",
      reference: "model",
      window: "hourly",
      schedule: { cron: "0 * * * *", timezone: "Europe/Berlin" },
      alerts: { sinks: [{ type: "file", path: "alerts/churn.jsonl" }, { type: "webhook", url: ${JSON.stringify(url)}, backoffMs: 10 }] },
    },
    { name: "churn-on-demand", deployment: "churn", reference: "model" },
  ],
};
`,
    );
    const bundle = await loadModel(join(dir, "model"));
    const served = async (file: string) => {
      const x = (await readFrame(join(dir, file))).drop(["churn"]);
      const proba = bundle.predictProba(x);
      return (row: number, time: number, id: string): PredictionLogEntry => ({
        requestId: id,
        time,
        deployment: "churn",
        variant: "champion",
        modelVersion: "1",
        input: x.row(row),
        output: { prediction: proba[2 * row + 1] as number },
        latencyMs: 0.5,
      });
    };
    const shifted = await served("live.csv");
    const usual = await served("reference.csv");
    const entries: PredictionLogEntry[] = [
      // Three rows in hour 0; live row i in hour 1 + i mod 6.
      ...[0, 1, 2].map((i) => shifted(i, START + 1000 * i, `h0-${i}`)),
      ...Array.from({ length: 3521 }, (_, i) =>
        shifted(i, START + (1 + (i % 6)) * HOUR + 1000 + i, `live-${i}`),
      ),
      ...Array.from({ length: 600 }, (_, i) => usual(i, START + 7 * HOUR + i, `h7-${i}`)),
      ...Array.from({ length: 600 }, (_, i) => shifted(i, START + 8 * HOUR + i, `h8-${i}`)),
    ];
    const database = await openDatabase({ root: dir });
    try {
      await openServingStore(database).appendPredictions(entries);
    } finally {
      await database.close();
    }
  }, 180_000);
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs monitor.NAME every hour: insufficient data, one alert for a persisting shift, again after it resolved", async () => {
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.pipelines.map((p) => p.name)).toEqual(["monitor.churn-hourly"]);
    const database = await openDatabase({ root: dir });
    try {
      const store = new PipelineStore(database);
      // The scheduler starts 10 minutes before the first window ends and runs 9 fire times.
      let now = START + HOUR - 600_000;
      let sleeps = 0;
      const controller = new AbortController();
      const clock: Clock = {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
          if (++sleeps > 9) controller.abort();
        },
      };
      const outputs: Record<string, unknown>[] = [];
      await runScheduler(loaded.pipelines, {
        store,
        root: loaded.root,
        clock,
        signal: controller.signal,
        onRun: (_pipeline, result) => {
          expect(result.run.status).toBe("succeeded");
          outputs.push(JSON.parse(result.steps[0]?.outputs ?? "null"));
        },
      });
      expect(outputs).toHaveLength(9);
      // Hour 0: 3 rows, fewer than minRows (500): nothing tested, no alert.
      expect(outputs[0]).toMatchObject({
        windowEnd: START + HOUR,
        rows: 3,
        status: "insufficient data",
        datasetDrift: false,
        prediction: { status: "insufficient data", relativeShift: null, shifted: false },
        alerts: [],
      });
      // Hours 1–6: the shift, raised every hour, delivered once (the same alert repeats).
      for (const [i, o] of outputs.slice(1, 7).entries()) {
        expect(o).toMatchObject({
          windowEnd: START + (i + 2) * HOUR,
          status: "ok",
          alerts: ["prediction-shift"],
        });
        expect((o.rows as number) > 500).toBe(true);
      }
      // Hour 7: resolved, no alert; hour 8: back again, so news, not a repeat.
      expect(outputs[7]).toMatchObject({ status: "ok", alerts: [] });
      expect(outputs[8]).toMatchObject({ status: "ok", alerts: ["prediction-shift"] });
      expect(
        outputs.map((o) => (o.deliveries as { status: string }[]).map((d) => d.status).join(",")),
      ).toEqual([
        "",
        "delivered,delivered",
        ...Array.from({ length: 5 }, () => "suppressed,suppressed"),
        "",
        "delivered,delivered",
      ]);
      const written = (await readFile(join(dir, "alerts", "churn.jsonl"), "utf8")).trim();
      expect(written.split("\n")).toHaveLength(2);
      expect(JSON.parse(written.split("\n")[0] as string)).toMatchObject({
        monitor: "churn-hourly",
        kind: "prediction-shift",
        fingerprint: "up",
      });
      expect(received).toEqual([
        expect.objectContaining({ monitor: "churn-hourly", kind: "prediction-shift" }),
        expect.objectContaining({ monitor: "churn-hourly", kind: "prediction-shift" }),
      ]);

      // Runs, history and results as any pipeline and any monitor run.
      const runs = await store.listRuns({ pipeline: "monitor.churn-hourly" });
      expect(runs).toHaveLength(9);
      expect(runs.every((r) => r.trigger === "schedule" && r.status === "succeeded")).toBe(true);
      const results = await new MonitoringStore(database).listResults({
        monitor: "churn-hourly",
      });
      expect(results.map((r) => r.windowEnd)).toEqual(
        Array.from({ length: 9 }, (_, i) => START + (9 - i) * HOUR),
      );
    } finally {
      await database.close();
    }
    const listed = captureIo(dir);
    expect(await runCli(["pipelines", "list", "--json"], listed), listed.stderr()).toBe(0);
    expect(listed.stdout()).toContain("monitor.churn-hourly");
  }, 120_000);
});
