// The prediction log's writer path on SQLite, measured in one process: how many rows per second
// the writer thread stores, and what each row costs the event loop (building the entry, the
// append, the hand-over) and the process (the writer thread too). Two kinds of traffic:
// "single" (one row per request, each with the build's own request id: random UUID v4 before
// time-ordered ids, newRequestId after) and "batch" (1,000-row requests: ids ID:0…ID:999).
// Rows are appended as fast as the log takes them (waiting for a flush when its queue is full),
// so the wall time is the writer's. Builds (--dist, repeatable) and traffic kinds are
// interleaved in rounds. CPU per row comes from /proc, per thread: the event loop (main), the
// writer thread, and V8's and libuv's helper threads (GC); CPU figures hold on a busy machine
// where wall figures do not. writerRowsPerCpuSecond is what the writer sustains on a core of
// its own.
// Usage: npm run build && node bench/serve/log-writer.mjs [--dist DIR]… [--rows N] [--rounds R]
//        [--pg URL] (adds the PostgreSQL writer, in a per-pid schema dropped afterwards)
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TELCO_RECORD } from "./telco-record.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const args = process.argv.slice(2);
const all = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const one = (name, fallback) => all(name)[0] ?? fallback;
const DISTS = (all("--dist").length > 0 ? all("--dist") : [join(ROOT, "dist")]).map((d) =>
  resolve(d),
);
const ROWS = Number(one("--rows", 200_000));
const ROUNDS = Number(one("--rounds", 2));
const PG = one("--pg", undefined);

const rec = TELCO_RECORD;

/** CPU time so far per thread of this process, µs, by thread id (from /proc). */
function threadCpu() {
  const out = new Map();
  for (const tid of readdirSync("/proc/self/task")) {
    const st = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    out.set(tid, (Number(f[11]) + Number(f[12])) * 10_000);
  }
  return out;
}

const builds = await Promise.all(
  DISTS.map(async (dist) => ({
    dist,
    store: await import(`${dist}/store/index.js`),
    serve: await import(`${dist}/serve/index.js`),
  })),
);

async function run(build, kind, database) {
  const { createPredictionLog, openServingStore, predictionSinkFor, newRequestId } = build.serve;
  const store = openServingStore(database);
  const log = createPredictionLog(predictionSinkFor(database, store), {
    maxQueue: 100_000,
    batchSize: 2000,
    flushIntervalMs: 200,
  });
  const id = kind === "single" && newRequestId ? newRequestId : randomUUID;
  const t0 = threadCpu();
  const w0 = performance.now();
  let batchId = "";
  for (let i = 0; i < ROWS; i++) {
    // As the runtime does: one entry object per row, around the request's record.
    if (log.pending >= 100_000) await log.flush();
    if (kind === "batch" && i % 1000 === 0) batchId = id();
    log.append({
      requestId: kind === "batch" ? `${batchId}:${i % 1000}` : id(),
      time: Date.now(),
      deployment: "default",
      variant: "default",
      modelVersion: "1",
      input: { ...rec, tenure: i % 72 },
      output: { prediction: 0.3, probabilities: { No: 0.7, Yes: 0.3 } },
      latencyMs: 0.1,
    });
  }
  await log.flush();
  const wall = (performance.now() - w0) / 1000;
  const t1 = threadCpu();
  await log.close();
  // The main thread is the event loop; a thread that started during the run is the log's writer;
  // the others are V8's helpers (GC) and libuv's.
  let main = 0;
  let writer = 0;
  let helpers = 0;
  for (const [tid, cpu] of t1) {
    const used = cpu - (t0.get(tid) ?? 0);
    if (tid === String(process.pid)) main += used;
    else if (!t0.has(tid)) writer += used;
    else helpers += used;
  }
  return {
    mainCpuUsPerRow: +(main / ROWS).toFixed(2),
    writerCpuUsPerRow: +(writer / ROWS).toFixed(2),
    helperCpuUsPerRow: +(helpers / ROWS).toFixed(2),
    processCpuUsPerRow: +((main + writer + helpers) / ROWS).toFixed(2),
    writerRowsPerCpuSecond: Math.round((1e6 * ROWS) / writer),
    rowsPerSecondWall: Math.round(ROWS / wall),
  };
}

const dir = mkdtempSync(join(tmpdir(), "keel-log-writer-bench-"));
const schemas = [];
const results = [];
let n = 0;
try {
  for (let round = 1; round <= ROUNDS; round++)
    for (const kind of ["single", "batch"])
      for (const build of builds) {
        for (const backend of PG ? ["sqlite", "postgres"] : ["sqlite"]) {
          const schema = `keel_logw_bench_${process.pid}_${n}`;
          const database =
            backend === "sqlite"
              ? await build.store.openDatabase({ dbUrl: join(dir, `${n}.db`) })
              : await build.store.openDatabase({ dbUrl: PG, pgSchema: schema });
          if (backend === "postgres") schemas.push(schema);
          n++;
          const r = {
            round,
            kind,
            backend,
            build: build.dist,
            ...(await run(build, kind, database)),
          };
          await database.close();
          results.push(r);
          console.log(JSON.stringify(r));
        }
      }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const pg = createRequire(join(ROOT, "package.json"))("pg");
    const client = new pg.Client({ connectionString: PG });
    await client.connect();
    for (const s of schemas) await client.query(`drop schema if exists ${s} cascade`);
    await client.end();
  }
}
// Per build, kind and backend: the round with the least process CPU per row.
const best = new Map();
for (const r of results) {
  const key = `${r.build} ${r.kind} ${r.backend}`;
  if (!best.has(key) || r.processCpuUsPerRow < best.get(key).processCpuUsPerRow) best.set(key, r);
}
console.log("best rounds:");
for (const [key, r] of best) console.log(key, JSON.stringify(r));
