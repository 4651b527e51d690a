import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropPgSchemas } from "../store/testing/index.js";
import { type OpenTrackingOptions, openTracking } from "../track/index.js";
import { startServerProcess } from "./testing/server-process.js";

// The server runs as a real child process (transpiled to JavaScript inside the project so that
// fastify and better-sqlite3 resolve) and is killed with SIGKILL while clients log to it.
const jsDir = join(process.cwd(), ".tmp", `server-js-${process.pid}`);
const root = mkdtempSync(join(tmpdir(), "keel-crash-"));
const pgUrl = process.env.KEEL_TEST_PG_URL;
const pgSchema = `keel_crash_${process.pid}_${Date.now() % 1e8}`;
afterAll(async () => {
  rmSync(jsDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  if (pgUrl === undefined) return;
  await dropPgSchemas(pgUrl, pgSchema);
});

const BATCH = 200;
const CLIENTS = 8;

const backends: [string, OpenTrackingOptions | undefined][] = [
  ["SQLite", { root: join(root, "sqlite") }],
  [
    "PostgreSQL",
    pgUrl === undefined ? undefined : { root: join(root, "pg"), dbUrl: pgUrl, pgSchema },
  ],
];

for (const [backend, options] of backends)
  describe.skipIf(options === undefined)(
    `SIGKILL during a ${CLIENTS}-client log storm on ${backend}`,
    () => {
      it("keeps every acknowledged batch, never half a batch, and reopens without repair", async () => {
        const setup = await openTracking(options!);
        const runIds: string[] = [];
        for (let i = 0; i < CLIENTS; i++)
          runIds.push((await setup.runs.create({ experimentId: "0" })).info.runId);
        await setup.close();

        const { child, port } = await startServerProcess(jsDir, options!);
        const acked = new Map<string, Set<number>>(runIds.map((id) => [id, new Set<number>()]));
        let stop = false;
        const client = async (runId: string) => {
          for (let b = 0; !stop; b++) {
            const metrics = Array.from({ length: BATCH }, (_, i) => ({
              key: "m",
              value: b,
              timestamp: Date.now(),
              step: b * BATCH + i,
            }));
            try {
              const response = await fetch(
                `http://127.0.0.1:${port}/api/2.0/mlflow/runs/log-batch`,
                {
                  method: "POST",
                  headers: { "content-type": "application/json" },
                  body: JSON.stringify({
                    run_id: runId,
                    metrics,
                    params: [{ key: `b${b}`, value: "1" }],
                  }),
                },
              );
              if (response.status === 200) acked.get(runId)!.add(b);
              else
                throw new Error(`unexpected status ${response.status}: ${await response.text()}`);
            } catch (error) {
              if (stop) return; // the server is gone: this batch's fate is unknown to the client
              throw error;
            }
          }
        };
        const clients = runIds.map(client);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        stop = true;
        child.kill("SIGKILL");
        await Promise.all(clients);

        const after = await openTracking(options!);
        if (after.database.sqlite !== undefined)
          expect(after.database.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
        let total = 0;
        for (const runId of runIds) {
          // Read every page: a quick machine logs more than one page (25,000 metrics) in the window.
          const perBatch = new Map<number, number>();
          let pageToken: string | undefined;
          do {
            const page = await after.runs.getMetricHistory(runId, "m", { pageToken });
            for (const m of page.items) perBatch.set(m.value, (perBatch.get(m.value) ?? 0) + 1);
            pageToken = page.nextPageToken;
          } while (pageToken);
          const params = new Set(
            (await after.runs.get(runId)).data.params.map((p) => Number(p.key.slice(1))),
          );
          for (const b of acked.get(runId)!)
            expect(perBatch.get(b), `acked batch ${b} of ${runId}`).toBe(BATCH);
          for (const [b, count] of perBatch) {
            expect(count, `batch ${b} of ${runId} is half-present`).toBe(BATCH);
            expect(params.has(b)).toBe(true);
          }
          expect(params.size).toBe(perBatch.size);
          total += acked.get(runId)!.size;
        }
        expect(total).toBeGreaterThan(0);
        await after.close();
      });
    },
  );
