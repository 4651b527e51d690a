import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import { createPredictionLog, openServingStore, type ServingStore } from "./index.js";
import { logEntry } from "./testing/serving-store-suite.js";

const dir = mkdtempSync(join(tmpdir(), "keel-prediction-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let database: MetadataDatabase;
let store: ServingStore;
let n = 0;
beforeEach(async () => {
  database = await openDatabase({ dbUrl: join(dir, `log-${n++}.db`) });
  store = openServingStore(database);
});
afterEach(() => database.close());

/** The real store, with writes held until `release()` (to fill the queue deterministically). */
function heldStore(real: ServingStore): {
  store: ServingStore;
  release(): void;
  batches: number[];
} {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const batches: number[] = [];
  const held = Object.create(real) as ServingStore;
  held.appendPredictions = async (entries) => {
    batches.push(entries.length);
    await gate;
    return real.appendPredictions(entries);
  };
  return { store: held, release, batches };
}

describe("createPredictionLog", () => {
  it("writes every entry, in append order, in batches of at most batchSize", async () => {
    const held = heldStore(store);
    const log = createPredictionLog(held.store, { batchSize: 100, flushIntervalMs: 5 });
    for (let i = 0; i < 1050; i++)
      expect(log.append(logEntry({ requestId: `r${i}`, time: 0 }))).toBe(true);
    held.release();
    await log.flush();
    expect(log.pending).toBe(0);
    const rows = await store.readPredictions({ deployment: "churn" });
    expect(rows.map((r) => r.requestId)).toEqual(Array.from({ length: 1050 }, (_, i) => `r${i}`));
    expect(Math.max(...held.batches)).toBeLessThanOrEqual(100);
    expect(held.batches.reduce((a, b) => a + b, 0)).toBe(1050);
  });

  it("writes a partial batch after flushIntervalMs without being asked", async () => {
    const log = createPredictionLog(store, { batchSize: 500, flushIntervalMs: 10 });
    log.append(logEntry({ requestId: "lonely" }));
    for (let i = 0; i < 200 && log.pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await store.readPredictions({ deployment: "churn" })).map((r) => r.requestId)).toEqual([
      "lonely",
    ]);
    await log.close();
  });

  it("answers false when the queue is full, and accepts again once it drains", async () => {
    const held = heldStore(store);
    const log = createPredictionLog(held.store, { maxQueue: 10, batchSize: 4 });
    const accepted = Array.from({ length: 12 }, (_, i) =>
      log.append(logEntry({ requestId: `r${i}` })),
    );
    expect(accepted).toEqual([...Array(10).fill(true), false, false]);
    expect(log.pending).toBe(10);
    held.release();
    await log.flush();
    expect(log.append(logEntry({ requestId: "after" }))).toBe(true);
    await log.close();
    const ids = (await store.readPredictions({ deployment: "churn" })).map((r) => r.requestId);
    expect(ids).toEqual([...Array.from({ length: 10 }, (_, i) => `r${i}`), "after"]);
  });

  it("close writes everything acknowledged and refuses what comes after", async () => {
    const log = createPredictionLog(store, { batchSize: 64, flushIntervalMs: 1000 });
    for (let i = 0; i < 300; i++) log.append(logEntry({ requestId: `r${i}` }));
    await log.close();
    expect(log.pending).toBe(0);
    expect(log.append(logEntry({ requestId: "late" }))).toBe(false);
    expect((await store.readPredictions({ deployment: "churn" })).length).toBe(300);
  });

  it("keeps a batch whose write failed and writes it once the store recovers", async () => {
    let failures = 1;
    const flaky = Object.create(store) as ServingStore;
    flaky.appendPredictions = async (entries) => {
      if (failures-- > 0) throw new Error("database is locked");
      return store.appendPredictions(entries);
    };
    const log = createPredictionLog(flaky, { batchSize: 10 });
    for (let i = 0; i < 5; i++) log.append(logEntry({ requestId: `r${i}` }));
    await expect(log.flush()).rejects.toThrow("database is locked");
    expect(log.pending).toBe(5);
    await log.close();
    expect((await store.readPredictions({ deployment: "churn" })).map((r) => r.requestId)).toEqual([
      "r0",
      "r1",
      "r2",
      "r3",
      "r4",
    ]);
  });

  it("refuses a non-positive maxQueue or batchSize", () => {
    expect(() => createPredictionLog(store, { maxQueue: 0 })).toThrowError(
      expect.objectContaining({ code: "KEEL_ERR_INVALID_ARGUMENT" }),
    );
    expect(() => createPredictionLog(store, { batchSize: 1.5 })).toThrowError(/batchSize/);
  });
});
