import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Alert,
  type AlertSink,
  deliverAlert,
  memoryAlertLog,
  type PipelineStarter,
} from "./index.js";

const alert: Alert = {
  monitor: "churn-daily",
  kind: "dataset-drift",
  message: "12 of 19 columns drifted",
  details: { driftShare: 0.63 },
};

/** A local HTTP server that answers each POST with the next status of `plan` (then 200). */
function webhookServer(plan: number[]) {
  const received: { body: unknown; contentType: string | undefined }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = "";
    req.on("data", (c) => {
      text += c;
    });
    req.on("end", () => {
      received.push({ body: JSON.parse(text), contentType: req.headers["content-type"] });
      res.statusCode = plan.shift() ?? 200;
      res.end("ok");
    });
  });
  return { server, received };
}

describe("alert delivery", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keel-alerts-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("POSTs the alert to a webhook, retrying 5xx with backoff, and records the delivery", async () => {
    const { server, received } = webhookServer([503, 500]);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const waits: number[] = [];
      const log = memoryAlertLog();
      const [d] = await deliverAlert(alert, [{ type: "webhook", url, backoffMs: 10 }], {
        log,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });
      expect(d).toMatchObject({ status: "delivered", attempts: 3, sink: `webhook:${url}` });
      expect(waits).toEqual([10, 20]);
      expect(received).toHaveLength(3);
      expect(received[2]).toEqual({ body: alert, contentType: "application/json" });
      expect((await log.list())[0]?.status).toBe("delivered");
    } finally {
      server.close();
    }
  });

  it("records a failure after the last attempt and does not retry a 4xx", async () => {
    const { server, received } = webhookServer([400]);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const [d] = await deliverAlert(alert, [{ type: "webhook", url }], { log: memoryAlertLog() });
      expect(d).toMatchObject({ status: "failed", attempts: 1, error: `HTTP 400 from ${url}` });
      expect(received).toHaveLength(1);
    } finally {
      server.close();
    }
    const [down] = await deliverAlert(
      alert,
      [{ type: "webhook", url: "http://127.0.0.1:9/x", attempts: 2, backoffMs: 1 }],
      {
        log: memoryAlertLog(),
      },
    );
    expect(down).toMatchObject({ status: "failed", attempts: 2 });
  });

  it("writes file and log sinks, and suppresses a repeat within the cooldown", async () => {
    const path = join(dir, "alerts.jsonl");
    const log = memoryAlertLog();
    const lines: string[] = [];
    const logger = {
      warn: (m: string) => lines.push(m),
    } as unknown as import("../../core/index.js").Logger;
    let clock = 1_000_000;
    const options = { log, logger, now: () => clock, cooldownMs: 60_000 };
    const sinks = [{ type: "log" as const }, { type: "file" as const, path }];
    expect((await deliverAlert(alert, sinks, options)).map((d) => d.status)).toEqual([
      "delivered",
      "delivered",
    ]);
    clock += 30_000;
    expect((await deliverAlert(alert, sinks, options)).map((d) => d.status)).toEqual([
      "suppressed",
      "suppressed",
    ]);
    expect(
      (await deliverAlert({ ...alert, kind: "prediction-shift" }, sinks, options)).map(
        (d) => d.status,
      ),
    ).toEqual(["delivered", "delivered"]);
    clock += 31_000;
    expect((await deliverAlert(alert, sinks, options)).map((d) => d.status)).toEqual([
      "delivered",
      "delivered",
    ]);
    expect(lines).toHaveLength(3);
    const written = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(written).toHaveLength(3);
    expect(written[0]).toMatchObject({ monitor: "churn-daily", kind: "dataset-drift" });
    expect(await log.list({ limit: 2 })).toHaveLength(2);
  });

  it("starts a pipeline sink's run through the given starter, once per cooldown over all kinds", async () => {
    const log = memoryAlertLog();
    const started: string[] = [];
    const sinks: AlertSink[] = [{ type: "pipeline", pipeline: "retrain", params: { note: "x" } }];
    const startPipeline: PipelineStarter = async (sink, a) => {
      started.push(`${sink.pipeline}:${a.kind}`);
      return started.length === 1 ? { runId: "r1" } : { runId: "r2", error: "failed" };
    };
    const first = await deliverAlert(alert, sinks, { log, startPipeline });
    expect(first[0]).toMatchObject({ sink: "pipeline:retrain", status: "delivered", attempts: 1 });
    const other = await deliverAlert({ ...alert, kind: "prediction-shift" }, sinks, {
      log,
      startPipeline,
    });
    expect(other[0]?.status).toBe("suppressed");
    expect(started).toEqual(["retrain:dataset-drift"]);
    const failed = await deliverAlert(alert, sinks, { log, startPipeline, cooldownMs: 0 });
    expect(failed[0]).toMatchObject({ status: "failed", error: "run r2: failed" });
    const none = await deliverAlert(alert, sinks, { log: memoryAlertLog() });
    expect(none[0]?.status).toBe("failed");
    expect(none[0]?.error).toContain("needs a pipeline starter");
  });
});

describe("alert de-duplication", () => {
  const drift = (columns: string): Alert => ({ ...alert, fingerprint: columns });
  const sinks: AlertSink[] = [{ type: "log" }];
  const logger = { warn: () => {} } as unknown as import("../../core/index.js").Logger;
  const HOUR = 3_600_000;

  it("pages the same drift found every hour once a day (default repeat), not 24 times", async () => {
    const log = memoryAlertLog();
    let clock = 0;
    const statuses: string[] = [];
    // Every hour exactly (the default cooldown is one hour: cooldown alone would page each time).
    for (let hour = 0; hour < 48; hour++) {
      clock = hour * HOUR;
      const [d] = await deliverAlert(drift("tenure"), sinks, { log, logger, now: () => clock });
      statuses.push(d?.status ?? "");
    }
    const delivered = statuses.flatMap((s, hour) => (s === "delivered" ? [hour] : []));
    expect(delivered).toEqual([0, 24]);
  });

  it("sends a changed alert after the cooldown, and holds it back within it", async () => {
    const log = memoryAlertLog();
    let clock = 0;
    const options = { log, logger, now: () => clock, cooldownMs: HOUR, repeatMs: 24 * HOUR };
    const send = async (a: Alert) => (await deliverAlert(a, sinks, options))[0]?.status;
    expect(await send(drift("tenure"))).toBe("delivered");
    clock = HOUR / 2;
    expect(await send(drift("monthly_charges,tenure"))).toBe("suppressed");
    clock = HOUR;
    expect(await send(drift("monthly_charges,tenure"))).toBe("delivered");
    clock = 2 * HOUR;
    // Back to the first set: different from the last delivered one, so it is news again.
    expect(await send(drift("tenure"))).toBe("delivered");
    clock = 3 * HOUR;
    expect(await send(drift("tenure"))).toBe("suppressed");
    // Without fingerprints only the cooldown applies (alerts raised by other code).
    clock = 4 * HOUR;
    expect(await send(alert)).toBe("delivered");
    clock = 5 * HOUR;
    expect(await send(alert)).toBe("delivered");
  });

  it("starts a pipeline sink's retraining once for a persisting drift, again when it changes", async () => {
    const log = memoryAlertLog();
    let clock = 0;
    const started: string[] = [];
    const startPipeline: PipelineStarter = async (_sink, a) => {
      started.push(`${clock / HOUR}:${a.fingerprint}`);
      return { runId: `r${started.length}` };
    };
    const retrain: AlertSink[] = [{ type: "pipeline", pipeline: "retrain" }];
    for (let hour = 0; hour < 6; hour++) {
      clock = hour * HOUR;
      await deliverAlert(drift(hour < 4 ? "tenure" : "contract"), retrain, {
        log,
        startPipeline,
        now: () => clock,
      });
    }
    expect(started).toEqual(["0:tenure", "4:contract"]);
  });
});
