import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import {
  createPredictionLog,
  openServingStore,
  PostgresLogWriter,
  type PredictionLogEntry,
  predictionSinkFor,
  SqliteLogWriter,
} from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "keel-log-writer-"));
const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl) console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL log writer test");
const schemaPrefix = `keel_logw_${process.pid}_`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl) await dropPgSchemas(pgUrl, `${schemaPrefix}%`);
});

// Text that a line-and-tab encoding must survive: tabs, newlines, quotes, backslashes,
// non-ASCII, a lone surrogate's escape, and a class label instead of a number.
const HARD = 'a\tb\nc\r\\"q"\u2028 é 😀 \\t \\n';
const entry = (i: number): PredictionLogEntry => ({
  requestId: i === 5 ? `r\t${i}\n` : `r${i}`,
  time: 1_000 + i,
  // Replayed entries carry when they were served besides their event time; live ones need not.
  ...(i % 2 === 1 ? { receivedAt: 50_000 + i } : {}),
  deployment: "churn",
  variant: i % 2 === 0 ? "a" : "b",
  modelVersion: "3",
  input: { tenure: i, contract: i % 3 === 0 ? HARD : "One year", missing: null, ok: true },
  output:
    i % 4 === 0
      ? { prediction: HARD, probabilities: { [HARD]: 0.75, No: 0.25 } }
      : { prediction: i / 10, probabilities: { No: 1 - i / 10, Yes: i / 10 } },
  latencyMs: 0.5 + i / 7,
  ...(i % 3 === 0 ? { shadow: { s: { prediction: 0.1 }, t: { error: HARD } } } : {}),
});

async function storesWhatTheStoreStores(
  database: MetadataDatabase,
  kind: typeof SqliteLogWriter | typeof PostgresLogWriter,
) {
  const store = openServingStore(database);
  const sink = predictionSinkFor(database, store);
  expect(sink).toBeInstanceOf(kind);
  const log = createPredictionLog(sink, { batchSize: 7, flushIntervalMs: 5 });
  for (let i = 0; i < 100; i++) expect(log.append(entry(i))).toBe(true);
  await log.close();
  expect(log.append(entry(100))).toBe(false);
  const viaWorker = await store.readPredictions({ deployment: "churn" });
  await store.appendPredictions([0, 3, 5, 7, 8].map(entry));
  const all = await store.readPredictions({ deployment: "churn" });
  const direct = all.slice(100);
  expect(viaWorker).toHaveLength(100);
  expect(direct).toHaveLength(5);
  for (const d of direct) {
    const w = viaWorker.find((x) => x.requestId === d.requestId);
    expect({ ...w, id: 0 }).toEqual({ ...d, id: 0 });
  }
  // And what was stored is what was appended.
  expect(viaWorker.find((x) => x.requestId === "r\t5\n")?.input).toEqual(entry(5).input);
  expect(viaWorker.find((x) => x.requestId === "r7")).toMatchObject({
    time: 1_007,
    receivedAt: 50_007,
  });
  expect(viaWorker.find((x) => x.requestId === "r8")).toMatchObject({
    time: 1_008,
    receivedAt: 1_008,
  });
  expect(viaWorker.find((x) => x.requestId === "r0")).toMatchObject({
    input: entry(0).input,
    output: entry(0).output,
    shadow: entry(0).shadow,
  });
}

describe("prediction log writer threads", () => {
  it("SQLite: stores what the store's own path stores, and everything acknowledged survives close", async () => {
    const database = await openDatabase({ dbUrl: join(dir, "a.db") });
    try {
      await storesWhatTheStoreStores(database, SqliteLogWriter);
    } finally {
      await database.close();
    }
  });

  it.skipIf(!pgUrl)("PostgreSQL: the same, from a thread with its own connection", async () => {
    const database = await openDatabase({ dbUrl: pgUrl, pgSchema: `${schemaPrefix}0` });
    try {
      await storesWhatTheStoreStores(database, PostgresLogWriter);
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
    const pg = new PostgresLogWriter({ url: "postgres://nobody@127.0.0.1:1/none" });
    await expect(pg.appendPredictions([entry(1)])).rejects.toMatchObject({
      code: "KEEL_ERR_STORE",
    });
    await pg.close();
  });
});
