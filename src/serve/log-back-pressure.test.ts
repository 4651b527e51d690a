import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeelError } from "../core/index.js";
import {
  createPredictionLog,
  openServingStore,
  type PredictionLog,
  parseScoringJson,
  ServingRuntime,
  type ServingStore,
} from "./index.js";
import { type ServingFixture, servingFixture } from "./testing/index.js";

/** The real store, with writes held until `release()`: the log's writer is stalled. */
function stalledStore(real: ServingStore): { store: ServingStore; release(): void } {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = Object.create(real) as ServingStore;
  held.appendPredictions = async (entries) => {
    await gate;
    return real.appendPredictions(entries);
  };
  return { store: held, release };
}

// The prediction log's back-pressure seen from the runtime: the queue is counted in rows, a
// burst of batch requests that fits is taken whole, and a request that does not fit while the
// writer is stalled is refused with 503 — never let in and then dropped.
describe("prediction log back-pressure", () => {
  let fixture: ServingFixture;
  let store: ServingStore;

  beforeAll(async () => {
    fixture = await servingFixture();
    store = openServingStore(fixture.tracking.database);
  }, 120_000);
  afterAll(() => fixture?.close());

  async function runtimeOver(log: PredictionLog, name: string): Promise<ServingRuntime> {
    return ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [{ name, variants: [{ name: "main", model: "models:/churn/1", weight: 1 }] }],
      store,
      log,
      logCapacity: 5_000,
    });
  }

  const rows = (n: number, from = 0) =>
    parseScoringJson({ records: fixture.records.slice(from, from + n) });

  it("takes a burst of 1,000-row batches that fits, then 503s while the writer is stalled", async () => {
    const stalled = stalledStore(store);
    const log = createPredictionLog(stalled.store, { maxQueue: 5_000, batchSize: 2_000 });
    const runtime = await runtimeOver(log, "burst");
    try {
      // Five batches at once: 5,000 rows, exactly what the queue holds.
      const burst = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => runtime.predict("burst", rows(1_000, i * 1_000))),
      );
      expect(burst.map((r) => r.status)).toEqual(Array(5).fill("fulfilled"));
      expect(log.pending).toBe(5_000);
      // The writer has not stored a row: one more record does not fit.
      const refused = await runtime.predict("burst", rows(1)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(KeelError);
      expect(refused).toMatchObject({
        code: "KEEL_ERR_SERVING_OVERLOADED",
        status: 503,
        details: { pending: 5_000, capacity: 5_000 },
      });
      stalled.release();
      await log.flush();
      expect(await runtime.predict("burst", rows(1))).toMatchObject({ deployment: "burst" });
    } finally {
      stalled.release();
      await runtime.close();
    }
    expect(await store.readPredictions({ deployment: "burst" })).toHaveLength(5_001);
  });

  it("never lets in more rows than the queue holds, even for requests scored at the same time", async () => {
    const stalled = stalledStore(store);
    const log = createPredictionLog(stalled.store, { maxQueue: 2_500, batchSize: 2_000 });
    const runtime = await runtimeOver(log, "together");
    try {
      // Four batches let in before any of them is scored and logged: only two fit.
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => runtime.predict("together", rows(1_000, i * 1_000))),
      );
      const answered = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected");
      expect(answered).toHaveLength(2);
      expect(refused.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
        "KEEL_ERR_SERVING_OVERLOADED",
        "KEEL_ERR_SERVING_OVERLOADED",
      ]);
      // Every answered row is queued: none was acknowledged and then dropped.
      expect(log.pending).toBe(2_000);
    } finally {
      stalled.release();
      await runtime.close();
    }
    expect(await store.readPredictions({ deployment: "together" })).toHaveLength(2_000);
  });
});
