import { createRequire } from "node:module";
import { LogWriterThread } from "./log-writer-thread.js";

// The worker's code (CommonJS run with `eval`, as the SQLite writer's). It owns one pg
// connection to the store's database and schema, and stores each batch of entries (mapped to
// rows as `predictionRows` maps them) with one INSERT … SELECT FROM json_to_recordset($1)
// statement: one parameter whatever the batch size, atomic, so a SIGKILL leaves whole batches
// or nothing.
// Batches are written one after another. A lost connection ends the thread; its pending
// batches fail (the log retries them) and the next batch starts a fresh thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const pg = require(workerData.driver);
const client = new pg.Client({
  connectionString: workerData.url,
  ...(workerData.schema ? { options: "-c search_path=" + workerData.schema } : {}),
});
client.on("error", (error) => setImmediate(() => { throw error; }));
const connected = client.connect();
connected.catch(() => {});
// One JSON parameter: pg would otherwise escape a value per column and row in this thread. The
// JSON columns travel as JSON and are stored as their text (a json value keeps its text as
// given, which is JSON.stringify's); a missing key is NULL.
const SQL =
  "insert into prediction_log (request_id, time, received_at, deployment, variant, model_version, input, prediction, score, probabilities, latency_ms, shadow) " +
  "select request_id, time, received_at, deployment, variant, model_version, input::text, prediction, score, probabilities::text, latency_ms, shadow::text " +
  "from json_to_recordset($1::json) as r(request_id text, time bigint, received_at bigint, deployment text, variant text, model_version text, " +
  "input json, prediction text, score float8, probabilities json, latency_ms float8, shadow json)";
async function write(entries) {
  const rows = entries.map((e) => {
    const p = e.output.prediction;
    const row = {
      request_id: e.requestId, time: e.time,
      received_at: e.receivedAt === undefined ? e.time : e.receivedAt, deployment: e.deployment, variant: e.variant,
      model_version: e.modelVersion, input: e.input, prediction: JSON.stringify(p),
      score: typeof p === "number" && Number.isFinite(p) ? p : null, latency_ms: e.latencyMs,
    };
    if (e.output.probabilities !== undefined) row.probabilities = e.output.probabilities;
    if (e.shadow !== undefined) row.shadow = e.shadow;
    return row;
  });
  await connected;
  await client.query(SQL, [JSON.stringify(rows)]);
}
let chain = Promise.resolve();
parentPort.on("message", (message) => {
  chain = chain.then(async () => {
    try {
      if (message.close) await client.end();
      else await write(message.entries);
      parentPort.postMessage({ id: message.id, ok: true });
    } catch (error) {
      parentPort.postMessage({ id: message.id, ok: false, message: String(error && error.message || error) });
    }
  });
});
`;

/**
 * Writes prediction batches to a PostgreSQL metadata store from a worker thread with its own
 * connection ({@link LogWriterThread}): the pg driver sends asynchronously, but building a
 * multi-row INSERT and encoding its parameters would run on the event loop; here the event
 * loop only posts each batch.
 *
 * @example
 * ```ts
 * const writer = new PostgresLogWriter(database.postgres!);
 * const log = createPredictionLog(writer, { batchSize: 2000 });
 * await log.close(); // flushes, then stops the worker
 * ```
 */
export class PostgresLogWriter extends LogWriterThread {
  /** @param connection the store's URL and schema (`MetadataDatabase.postgres`). */
  constructor(connection: { readonly url: string; readonly schema?: string }) {
    super(WORKER_SOURCE, () => ({
      url: connection.url,
      ...(connection.schema === undefined ? {} : { schema: connection.schema }),
      driver: createRequire(import.meta.url).resolve("pg"),
    }));
  }
}
