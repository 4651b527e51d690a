import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../store/index.js";
import {
  createPredictionLog,
  openServingStore,
  type PredictionLogEntry,
  predictionSinkFor,
  SqliteLogWriter,
} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "keel-log-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number): PredictionLogEntry => ({
  requestId: `r${i}`,
  time: 1_000 + i,
  deployment: "churn",
  variant: i % 2 === 0 ? "a" : "b",
  modelVersion: "3",
  input: { tenure: i, contract: "One year" },
  output: { prediction: i / 10, probabilities: { No: 1 - i / 10, Yes: i / 10 } },
  latencyMs: 0.5,
  ...(i === 3 ? { shadow: { s: { prediction: 0.1 } } } : {}),
});

describe("SqliteLogWriter (worker-thread prediction log writes)", () => {
  it("stores what the store's own path stores, and everything acknowledged survives close", async () => {
    const file = join(dir, "a.db");
    const database = await openDatabase({ dbUrl: file });
    try {
      const store = openServingStore(database);
      const sink = predictionSinkFor(database, store);
      expect(sink).toBeInstanceOf(SqliteLogWriter);
      const log = createPredictionLog(sink, { batchSize: 7, flushIntervalMs: 5 });
      for (let i = 0; i < 100; i++) expect(log.append(entry(i))).toBe(true);
      await log.close();
      expect(log.append(entry(100))).toBe(false);
      const viaWorker = await store.readPredictions({ deployment: "churn" });
      await store.appendPredictions([0, 3, 7].map(entry));
      const all = await store.readPredictions({ deployment: "churn" });
      const direct = all.slice(100);
      expect(viaWorker).toHaveLength(100);
      for (const d of direct) {
        const w = viaWorker.find((x) => x.requestId === d.requestId);
        expect({ ...w, id: 0 }).toEqual({ ...d, id: 0 });
      }
    } finally {
      await database.close();
    }
  });

  it("fails a batch the database refuses (the log keeps it queued) instead of losing it", async () => {
    const writer = new SqliteLogWriter(join(dir, "missing", "no.db"));
    await expect(writer.appendPredictions([entry(1)])).rejects.toMatchObject({
      code: "KEEL_ERR_STORE",
    });
    await writer.close();
  });
});
