// Event-loop CPU per entry of the prediction log (50,000 Telco entries through createPredictionLog,
// batches of 2,000): SQLite through the worker-thread writer, SQLite through the store on the event
// loop, and PostgreSQL through the store (pg is asynchronous, but query building and parameter
// encoding run on the event loop; since the PostgreSQL writer thread, only for the "store" row).
// Usage: npm run build && node bench/serve/log-cost.mjs [PG_URL] [--dist DIR] [--rounds N]
// (a per-pid schema, dropped afterwards). --dist measures another build (to compare two in one
// run); --rounds repeats every row and prints each round.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TELCO_RECORD } from "./telco-record.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const D = resolve(arg("--dist") ?? join(ROOT, "dist"));
const ROUNDS = Number(arg("--rounds") ?? 1);
const { openDatabase } = await import(`${D}/store/index.js`);
const { createPredictionLog, openServingStore, predictionSinkFor } = await import(
  `${D}/serve/index.js`
);
const rec = TELCO_RECORD;
const N = 50000;

import { readFileSync } from "node:fs";

const mainCpu = () => {
  const st = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10000;
};
async function run(name, database, sinkOf) {
  const store = openServingStore(database);
  const log = createPredictionLog(sinkOf(store), {
    maxQueue: 100000,
    batchSize: 2000,
    flushIntervalMs: 200,
  });
  const t = process.cpuUsage();
  const m = mainCpu();
  const w = performance.now();
  for (let i = 0; i < N; i++)
    log.append({
      requestId: `r${i}`,
      time: Date.now(),
      deployment: "d",
      variant: "v",
      modelVersion: "1",
      // A fresh record per entry, as each request brings one (the log holds it until its batch).
      input: { ...rec, tenure: i % 72 },
      output: { prediction: 0.3, probabilities: { No: 0.7, Yes: 0.3 } },
      latencyMs: 0.1,
    });
  await log.close();
  const u = process.cpuUsage(t);
  // process.cpuUsage covers all threads; the main thread alone comes from /proc.
  console.log(
    name,
    "process CPU µs/entry",
    ((u.user + u.system) / N).toFixed(1),
    "event-loop CPU µs/entry",
    ((mainCpu() - m) / N).toFixed(1),
    "wall ms",
    (performance.now() - w).toFixed(0),
  );
}
const dir = mkdtempSync(join(tmpdir(), "sp-pg-"));
const url = process.argv[2]?.startsWith("postgres")
  ? process.argv[2]
  : "postgres://postgres@127.0.0.1:5432/test";
const schema = `sp_perf_${process.pid}`;
console.log("build", D);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, sink] of [
    ["sqlite worker", (db) => (s) => predictionSinkFor(db, s)],
    ["sqlite store (event loop)", () => (s) => s],
  ]) {
    const db = await openDatabase({ dbUrl: join(dir, `${name.length}-${round}.db`) });
    await run(name, db, sink(db));
    await db.close();
  }
  const pg = await openDatabase({ dbUrl: url, pgSchema: schema });
  await run("postgres sinkFor (writer thread when the build has one)", pg, (s) =>
    predictionSinkFor(pg, s),
  );
  await run("postgres store (event loop)", pg, (s) => s);
  await pg.close();
}
const { createRequire } = await import("node:module");
const pgLib = createRequire(join(ROOT, "package.json"))("pg");
const client = new pgLib.Client({ connectionString: url });
await client.connect();
await client.query(`drop schema if exists ${schema} cascade`);
await client.end();
