import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import {
  createPredictionLog,
  encodePredictionRows,
  openServingStore,
  rowBytes,
  type ServingStore,
} from "./index.js";
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

  it("counts its queue in rows and bytes, and says whether a request's rows fit", async () => {
    const held = heldStore(store);
    const log = createPredictionLog(held.store, {
      maxQueue: 1000,
      maxQueueBytes: 20_000,
      batchSize: 100,
    });
    // A 250-row request weighs 250 rows, a single record one.
    const big = (i: number) =>
      logEntry({ requestId: `b:${i}`, input: { tenure: i, note: "x".repeat(50) } });
    const batch = Array.from({ length: 250 }, (_, i) => big(i));
    expect(log.hasRoomFor(250)).toBe(true);
    for (const e of batch) expect(log.append(e)).toBe(true);
    expect(log.append(logEntry({ requestId: "one" }))).toBe(true);
    expect(log.pending).toBe(251);
    const bytes = encodePredictionRows([...batch, logEntry({ requestId: "one" })]).bytes;
    const one = logEntry({ requestId: "one" });
    expect(bytes).toBe(
      batch.reduce(
        (sum, e) =>
          sum + rowBytes(e.requestId, JSON.stringify(e.input), 0.25, { No: 0.75, Yes: 0.25 }, null),
        0,
      ) + rowBytes("one", JSON.stringify(one.input), 0.25, { No: 0.75, Yes: 0.25 }, null),
    );
    expect(log.pendingBytes).toBe(bytes);
    expect(bytes).toBeGreaterThan(20_000);
    // Room in rows, none in bytes: a new request is refused, entries already let in are taken.
    expect(log.hasRoomFor(1)).toBe(false);
    expect(log.append(logEntry({ requestId: "let-in-before" }))).toBe(true);
    held.release();
    await log.flush();
    expect(log.pending).toBe(0);
    expect(log.pendingBytes).toBe(0);
    expect(log.hasRoomFor(1000)).toBe(true);
    expect(log.hasRoomFor(1001)).toBe(false);
    await log.close();
    expect(log.hasRoomFor(1)).toBe(false);
    const rows = await store.readPredictions({ deployment: "churn" });
    expect(rows).toHaveLength(252);
    expect(held.batches).toEqual([100, 100, 52]);
  });

  it("refuses a non-positive maxQueue, maxQueueBytes or batchSize", () => {
    expect(() => createPredictionLog(store, { maxQueueBytes: -1 })).toThrowError(/maxQueueBytes/);
    expect(() => createPredictionLog(store, { maxQueue: 0 })).toThrowError(
      expect.objectContaining({ code: "KEEL_ERR_INVALID_ARGUMENT" }),
    );
    expect(() => createPredictionLog(store, { batchSize: 1.5 })).toThrowError(/batchSize/);
  });
});
