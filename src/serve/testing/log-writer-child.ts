// Test helper run in a child process (through jiti) by prediction-log-crash.test.ts: appends
// predictions to a SQLite store as fast as it can until it is killed. Entries come in chunks
// of exactly `batchSize`, tagged with their chunk, so the parent can tell whole batches from
// partial ones after a SIGKILL.
import { openDatabase } from "../../store/index.js";
import { createPredictionLog, openServingStore, predictionSinkFor } from "../index.js";

const [file, batchText] = process.argv.slice(2);
const batchSize = Number(batchText);
const database = await openDatabase({ dbUrl: file });
// The server's path: a worker-thread writer with its own connection to the file.
const log = createPredictionLog(predictionSinkFor(database, openServingStore(database)), {
  batchSize,
  maxQueue: batchSize * 20,
  flushIntervalMs: 1,
});
process.stdout.write("ready\n");
let chunk = 0;
const pump = (): void => {
  if (log.pending + batchSize <= batchSize * 20) {
    for (let i = 0; i < batchSize; i++) {
      log.append({
        requestId: `c${chunk}-${i}`,
        time: Date.now(),
        deployment: "crash",
        variant: "champion",
        modelVersion: "1",
        input: { chunk, i, padding: "x".repeat(200) },
        output: { prediction: i / batchSize },
        latencyMs: 0.1,
      });
    }
    chunk++;
  }
  setImmediate(pump);
};
pump();
