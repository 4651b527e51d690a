#!/usr/bin/env node
// Tracking benchmarks, run against the built package (npm run build first):
//  (a) SDK logBatch of 1,000,000 metrics into SQLite vs a raw better-sqlite3 prepared-insert
//      loop into an equivalent table, same machine, same run, same batch size (1000 rows per
//      transaction);
//  (b) HTTP runs/log-batch against `keel server` (a child process): 8 concurrent clients,
//      1000 metrics per request: requests/s and p99 latency;
//  (c) runs search over 10,000 runs x 20 metrics with a metric filter and a metric order-by on
//      SQLite: p50/p99 latency (goal p99 <= 50 ms).
// Writes its table into bench/README.md between <!-- bench:tracking --> markers.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, "..", "..");
const dist = join(projectRoot, "dist");
if (!existsSync(join(dist, "track", "index.js"))) {
  console.error("bench/tracking: dist/ is missing; run `npm run build` first");
  process.exit(2);
}
const { openTracking } = await import(join(dist, "track", "index.js"));
const dataDir = join(projectRoot, "bench", ".data", "tracking");
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

const TOTAL_METRICS = Number(process.env.BENCH_TRACKING_METRICS ?? 1_000_000);
const BATCH = 1000;
// The raw loop writes the same 32-character run id as keel (index entries of equal size).
const RAW_RUN_ID = "0123456789abcdef0123456789abcdef";
const KEYS = Array.from({ length: 10 }, (_, i) => `metric_${i}`);

function metricsBatch(b) {
  const now = Date.now();
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    return {
      key: KEYS[n % KEYS.length],
      value: Math.sin(n) * 10,
      timestamp: now,
      step: Math.floor(n / KEYS.length),
    };
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---- (a) SDK logBatch vs raw prepared inserts ---------------------------------------------
// Rounds alternate raw, SDK, SDK, raw (each into a fresh database) so that warm-up and the
// shared machine's load drift hit both sides alike; each side's rate is over its two rounds.
async function rawRound(round, prepared) {
  const raw = new Database(join(dataDir, `raw-${round}.db`));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.exec(`create table metrics (run_uuid text not null, key text not null, value double precision not null,
    is_nan integer not null, step bigint not null, timestamp bigint not null);
    create unique index metrics_point_unique on metrics (run_uuid, key, step, timestamp, value, is_nan);`);
  const insert = raw.prepare(
    // The same table and unique index as keel's (MLflow de-duplicates metric points too).
    "insert into metrics (run_uuid, key, value, is_nan, step, timestamp) values (?, ?, ?, ?, ?, ?) on conflict do nothing",
  );
  const insertBatch = raw.transaction((rows) => {
    for (const m of rows)
      insert.run(RAW_RUN_ID, m.key, m.value, Number.isNaN(m.value) ? 1 : 0, m.step, m.timestamp);
  });
  const t0 = performance.now();
  for (const rows of prepared) insertBatch(rows);
  const seconds = (performance.now() - t0) / 1000;
  raw.close();
  return seconds;
}

async function sdkRound(round, prepared) {
  const tracking = await openTracking({ root: join(dataDir, `sdk-${round}`) });
  const run = await tracking.startRun({ experiment: "bench" });
  const t0 = performance.now();
  for (const rows of prepared) await tracking.runs.logBatch(run.id, { metrics: rows });
  const seconds = (performance.now() - t0) / 1000;
  await run.end();
  const stored = await tracking.database.db
    .selectFrom("metrics")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirst();
  await tracking.close();
  if (Number(stored.n) !== prepared.length * BATCH)
    throw new Error(`SDK round stored ${stored.n} metrics`);
  return seconds;
}

async function benchLogBatch() {
  const batches = Math.ceil(TOTAL_METRICS / BATCH);
  const prepared = Array.from({ length: batches }, (_, b) => metricsBatch(b));
  const raw1 = await rawRound(1, prepared);
  const sdk1 = await sdkRound(1, prepared);
  const sdk2 = await sdkRound(2, prepared);
  const raw2 = await rawRound(2, prepared);
  const metrics = batches * BATCH;
  const rawRate = (2 * metrics) / (raw1 + raw2);
  const sdkRate = (2 * metrics) / (sdk1 + sdk2);
  return {
    metrics,
    rawRate,
    sdkRate,
    ratio: sdkRate / rawRate,
    rounds: { raw1, sdk1, sdk2, raw2 },
  };
}

// ---- (b) HTTP log-batch, 8 clients --------------------------------------------------------
async function startServer(root) {
  const child = spawn(process.execPath, [join(dist, "cli", "main.js"), "server", "--port", "0"], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const address = await new Promise((resolveAddress, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(err);
      if (match) resolveAddress(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return { address, stop: () => child.kill("SIGTERM") };
}

async function benchHttp() {
  const root = join(dataDir, "http");
  mkdirSync(root, { recursive: true });
  const server = await startServer(root);
  const api = `${server.address}/api/2.0/mlflow`;
  const post = async (path, body) => {
    const response = await fetch(`${api}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const clients = 8;
  const requestsPerClient = Number(process.env.BENCH_TRACKING_REQUESTS ?? 60);
  const runIds = [];
  for (let c = 0; c < clients; c++)
    runIds.push((await post("runs/create", { experiment_id: "0" })).run.info.run_id);
  const bodies = Array.from({ length: requestsPerClient }, (_, b) => metricsBatch(b));
  const latencies = [];
  const t0 = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (const metrics of bodies) {
        const start = performance.now();
        await post("runs/log-batch", { run_id: runId, metrics });
        latencies.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  server.stop();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    metricsPerSecond: (latencies.length * BATCH) / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

// ---- (c) search over 10,000 runs x 20 metrics ----------------------------------------------
async function benchSearch() {
  const root = join(dataDir, "search");
  const tracking = await openTracking({ root });
  const experimentId = await tracking.experiments.create({ name: "search-bench" });
  const runCount = Number(process.env.BENCH_TRACKING_RUNS ?? 10_000);
  // Runs are created through the SDK; their metrics through the SDK's logBatch.
  const ids = [];
  for (let r = 0; r < runCount; r++) {
    const run = await tracking.runs.create({
      experimentId,
      runName: `run-${r}`,
      startTime: 1_700_000_000_000 + r,
      tags: [{ key: "team", value: r % 2 ? "growth" : "risk" }],
    });
    const metrics = Array.from({ length: 20 }, (_, k) => ({
      key: `m${k}`,
      value: ((r * 7919 + k * 104729) % 10007) / 10007,
      timestamp: 1,
      step: 0,
    }));
    await tracking.runs.logBatch(run.info.runId, {
      metrics,
      params: [{ key: "depth", value: String(r % 10) }],
    });
    ids.push(run.info.runId);
  }
  const request = {
    experimentIds: [experimentId],
    filter: "metrics.m0 > 0.5 and params.depth != '3'",
    orderBy: ["metrics.m1 DESC"],
    maxResults: 100,
  };
  for (let i = 0; i < 5; i++) await tracking.runs.search(request); // warm-up
  const latencies = [];
  let returned = 0;
  for (let i = 0; i < 100; i++) {
    const start = performance.now();
    const page = await tracking.runs.search(request);
    latencies.push(performance.now() - start);
    returned = page.items.length;
  }
  latencies.sort((a, b) => a - b);
  await tracking.close();
  return {
    runs: runCount,
    returned,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const load = loadavg()[0].toFixed(1);
const a = await benchLogBatch();
console.log("(a)", a);
const b = await benchHttp();
console.log("(b)", b);
const c = await benchSearch();
console.log("(c)", c);

const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} shared cores (load average ${load} at start; other agents were running, so absolute numbers are noisy; ratios within one run are the meaningful part).

| benchmark | keel | reference | result | goal |
|---|---|---|---|---|
| (a) SDK \`runs.logBatch\`, ${fmt(a.metrics)} metrics into SQLite, 1000 per batch (rounds raw, SDK, SDK, raw) | ${fmt(a.sdkRate)} metrics/s | raw better-sqlite3 prepared insert, 1000 per transaction: ${fmt(a.rawRate)} metrics/s | **${fmt(a.ratio, 2)}×** raw | ≥ 0.5× |
| (b) HTTP \`runs/log-batch\`, 8 concurrent clients, 1000 metrics/request, ${b.requests} requests | ${fmt(b.rps, 1)} req/s (${fmt(b.metricsPerSecond)} metrics/s) | — (MLflow server not installable here) | p50 ${fmt(b.p50, 1)} ms, **p99 ${fmt(b.p99, 1)} ms** | report |
| (c) \`runs.search\` over ${fmt(c.runs)} runs × 20 metrics, metric filter + param filter + metric order-by, 100 per page | ${c.returned} runs/page | — | p50 ${fmt(c.p50, 1)} ms, **p99 ${fmt(c.p99, 1)} ms** | p99 ≤ 50 ms |

keel's logBatch does more than the raw loop: it validates every metric against MLflow's limits, checks the run is active inside a \`BEGIN IMMEDIATE\` transaction, and maintains \`latest_metrics\` with MLflow's (step, timestamp, value) rule. Run: \`npm run build && node bench/tracking/run.mjs\`.`;

const readme = join(projectRoot, "bench", "README.md");
const start = "<!-- bench:tracking -->";
const end = "<!-- /bench:tracking -->";
let text = existsSync(readme) ? readFileSync(readme, "utf8") : "# Benchmarks\n";
if (!text.includes(start)) text = `${text.trimEnd()}\n\n## Tracking\n\n${start}\n${end}\n`;
const before = text.slice(0, text.indexOf(start) + start.length);
const after = text.slice(text.indexOf(end));
writeFileSync(readme, `${before}\n${table}\n${after}`);
console.log(`wrote ${readme}`);
