import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropPgSchemas } from "../store/testing/index.js";
import { openTracking } from "../track/index.js";
import { startServerProcess } from "./testing/server-process.js";

// The report's reproduction: two `keel server` processes on one PostgreSQL database, clients
// logging the same run with metric and tag keys in opposite orders, and racing creates of
// one name. Every call must be acknowledged or refused with a 4xx, never a 5xx, and every
// acknowledged metric must be stored exactly once.
const pgUrl = process.env.KEEL_TEST_PG_URL;
const pgSchema = `keel_two_${process.pid}_${Date.now() % 1e8}`;
const jsDir = join(process.cwd(), ".tmp", `two-servers-js-${process.pid}`);
const root = mkdtempSync(join(tmpdir(), "keel-two-"));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGTERM");
  rmSync(jsDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  if (pgUrl === undefined) return;
  await dropPgSchemas(pgUrl, pgSchema);
});

describe.skipIf(pgUrl === undefined)("two keel servers on one PostgreSQL database", () => {
  it("16 clients, opposite key orders, racing creates: zero 5xx, every acknowledged metric once", async () => {
    const options = { root, dbUrl: pgUrl!, pgSchema };
    const setup = await openTracking(options);
    const runId = (await setup.runs.create({ experimentId: "0" })).info.runId;
    await setup.close();
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { child, port } = await startServerProcess(jsDir, options);
      children.push(child);
      ports.push(port);
    }
    const post = async (server: number, path: string, body: object) => {
      const response = await fetch(`http://127.0.0.1:${ports[server]}/api/2.0/mlflow/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const clients = 16;
    const batches = 10;
    const acknowledged = new Set<number>();
    const refused: string[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const keys = c % 2 === 0 ? ["loss", "acc", "auc"] : ["auc", "acc", "loss"];
        for (let b = 0; b < batches; b++) {
          const step = c * 1000 + b;
          const response = await post(c % 2, "runs/log-batch", {
            run_id: runId,
            metrics: keys.map((key) => ({ key, value: step, timestamp: 1, step })),
            tags: keys.map((key) => ({ key: `last.${key}`, value: String(step) })),
          });
          if (response.status === 200) acknowledged.add(step);
          else refused.push(`${response.status} ${JSON.stringify(response.json)}`);
        }
      }),
    );
    expect(refused).toEqual([]);
    const check = await openTracking(options);
    try {
      for (const key of ["loss", "acc", "auc"]) {
        const steps = (await check.runs.getMetricHistory(runId, key)).items.map((m) => m.step);
        expect(steps.length).toBe(acknowledged.size);
        expect(new Set(steps)).toEqual(acknowledged);
      }
    } finally {
      await check.close();
    }
    for (const path of ["experiments/create", "registered-models/create"]) {
      const name = `race-${path.split("/")[0]}-${process.pid}`;
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          post(i % 2, path, { name }).then((r) =>
            r.status === 200 ? "ok" : `${r.status} ${String(r.json.error_code)}`,
          ),
        ),
      );
      expect(outcomes.sort()).toEqual([
        ...Array.from({ length: 7 }, () => "400 RESOURCE_ALREADY_EXISTS"),
        "ok",
      ]);
    }
  });
});
