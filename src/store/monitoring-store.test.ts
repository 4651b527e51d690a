import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "./database.js";
import { MonitoringStore } from "./monitoring-store.js";
import { dropPgSchemas } from "./testing/index.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl)
  console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL monitoring store tests");
const schema = `keel_monitoring_${process.pid}_${Date.now()}`;
const dirs: string[] = [];

const backends: [string, (() => Promise<MetadataDatabase>) | undefined][] = [
  [
    "SQLite",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "keel-monitoring-"));
      dirs.push(dir);
      return openDatabase({ root: dir });
    },
  ],
  ["PostgreSQL", pgUrl ? () => openDatabase({ dbUrl: pgUrl, pgSchema: schema }) : undefined],
];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  if (pgUrl) await dropPgSchemas(pgUrl, schema);
});

for (const [backend, open] of backends) {
  describe.skipIf(open === undefined)(`MonitoringStore on ${backend}`, () => {
    it("keeps monitor results as a time series per monitor, newest first", async () => {
      const db = await (open as () => Promise<MetadataDatabase>)();
      try {
        const store = new MonitoringStore(db);
        await store.recordResult({
          monitor: "a",
          createdAt: 1000,
          windowStart: 0,
          windowEnd: 999,
          datasetDrift: false,
          driftShare: 0.1,
          summary: { x: 1 },
        });
        await store.recordResult({
          monitor: "a",
          createdAt: 2000,
          datasetDrift: true,
          driftShare: 0.6,
          predictionShift: 0.15,
          summary: { x: 2 },
        });
        await store.recordResult({
          monitor: "b",
          createdAt: 1500,
          datasetDrift: false,
          driftShare: 0,
          summary: {},
        });
        const a = await store.listResults({ monitor: "a" });
        expect(a.map((r) => r.createdAt)).toEqual([2000, 1000]);
        expect(a[0]).toMatchObject({
          datasetDrift: true,
          driftShare: 0.6,
          predictionShift: 0.15,
          summary: { x: 2 },
        });
        expect(a[1]).toMatchObject({ windowStart: 0, windowEnd: 999, datasetDrift: false });
        expect(a[1]?.predictionShift).toBeUndefined();
        expect((await store.listResults({ limit: 2 })).map((r) => r.monitor)).toEqual(["a", "b"]);
      } finally {
        await db.close();
      }
    });

    it("records deliveries and answers the cooldown lookup from delivered ones only", async () => {
      const db = await (open as () => Promise<MetadataDatabase>)();
      try {
        const store = new MonitoringStore(db);
        const alert = { monitor: "m", kind: "dataset-drift", message: "drift" };
        const base = { monitor: "m", kind: "dataset-drift", sink: "log", attempts: 1, alert };
        expect(await store.lastDelivery("m", "dataset-drift", "log")).toBeUndefined();
        await store.record({ ...base, status: "delivered", at: 100 });
        await store.record({ ...base, status: "failed", error: "HTTP 500", at: 300 });
        await store.record({ ...base, status: "suppressed", attempts: 0, at: 200 });
        await store.record({ ...base, sink: "file:x", status: "delivered", at: 400 });
        expect(await store.lastDelivery("m", "dataset-drift", "log")).toMatchObject({
          at: 100,
          status: "delivered",
          alert,
        });
        expect(await store.lastDelivery("m", "prediction-shift", "log")).toBeUndefined();
        const listed = await store.list({ monitor: "m" });
        expect(listed.map((d) => d.at)).toEqual([400, 300, 200, 100]);
        expect(listed[1]).toMatchObject({ status: "failed", error: "HTTP 500", alert });
        expect(await store.list({ monitor: "other" })).toEqual([]);
      } finally {
        await db.close();
      }
    });
  });
}
