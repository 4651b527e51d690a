#!/usr/bin/env node
// Orchestration overhead: a 1,000-step DAG of no-op steps (100 parallel chains of 10), run
//  (a) in process, inline (runPipeline, SQLite metadata store, 4 steps at once),
//  (b) in process, each try in a worker thread (ThreadRunner, 4 threads: the CLI's default),
//      the pipeline loaded from a keel.config.mjs as the CLI loads it, and
//  (c) through pg-boss on PostgreSQL (QueueExecutor, 4 worker slots in one process), when
//      BENCH_PG_URL or KEEL_TEST_PG_URL is set.
// CPU per step = process CPU time (every thread) / 1,000: the figure that load does not inflate.
// Per-step overhead = (pipeline wall clock − the same 1,000 no-op calls in a plain loop) / 1,000.
// Goals: ≤ 5 ms per step in process, ≤ 50 ms through PostgreSQL. Airflow (the reference) does
// not install from Debian here, so the comparison is against a plain loop.
// Run against the built package: npm run build && node bench/orchestrate/run.mjs
// Writes its table into bench/README.md between <!-- bench:orchestrate --> markers.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describeLoad } from "../machine-load.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, "..", "..");
const dist = join(projectRoot, "dist");
if (!existsSync(join(dist, "orchestrate", "index.js"))) {
  console.error("bench/orchestrate: dist/ is missing; run `npm run build` first");
  process.exit(2);
}
const { definePipeline, step, runPipeline, PipelineStore, QueueExecutor } = await import(
  join(dist, "orchestrate", "index.js")
);
const { openDatabase } = await import(join(dist, "store", "index.js"));
const { ThreadRunner } = await import(join(dist, "orchestrate", "index.js"));
const { loadConfig, pipelineThreadEntry } = await import(join(dist, "config", "index.js"));

const STEPS = Number(process.env.BENCH_ORCH_STEPS ?? 1000);
const CHAINS = 100;
const noop = () => null;
const steps = {};
for (let i = 0; i < STEPS; i++)
  steps[`s${i}`] = step({ ...(i >= CHAINS ? { after: [`s${i - CHAINS}`] } : {}), run: noop });
const pipeline = definePipeline({ name: "noop-dag", steps });

function measure(fn) {
  return async () => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const result = await fn();
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / 1000, result };
  };
}

// The floor: the same no-op calls in a plain loop.
const floor = await measure(async () => {
  for (let i = 0; i < STEPS; i++) await noop();
})();

const dataDir = join(projectRoot, "bench", ".data", "orchestrate");
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const loadBefore = loadavg()[0];

const database = await openDatabase({ root: dataDir });
const store = new PipelineStore(database);
const local = await measure(() =>
  runPipeline(pipeline, { store, root: dataDir, logicalDate: new Date(0), concurrency: 4 }),
)();
if (local.result.run.status !== "succeeded")
  throw new Error(`in-process run ${local.result.run.status}`);
const cached = await measure(() =>
  runPipeline(pipeline, { store, root: dataDir, logicalDate: new Date(0), concurrency: 4 }),
)();
// A second date inline (nothing cached, the process warm): the baseline for warm threads.
const localWarm = await measure(() =>
  runPipeline(pipeline, { store, root: dataDir, logicalDate: new Date(3), concurrency: 4 }),
)();

// The same DAG from a config file, each try in a worker thread (threads start, load the config
// and open the store on their first try: that start-up is inside the measured time).
writeFileSync(
  join(dataDir, "keel.config.mjs"),
  `import { defineConfig, definePipeline, step } from "keel";
const steps = {};
for (let i = 0; i < ${STEPS}; i++)
  steps["s" + i] = step({ ...(i >= ${CHAINS} ? { after: ["s" + (i - ${CHAINS})] } : {}), run: () => null });
export default defineConfig({ pipelines: [definePipeline({ name: "noop-dag", steps })] });
`,
);
const loaded = await loadConfig({ cwd: dataDir });
const runner = new ThreadRunner({
  entry: pipelineThreadEntry(),
  configFile: loaded.file,
  database: { root: dataDir },
  root: dataDir,
  size: 4,
});
const threadedRun = (date) =>
  measure(() =>
    runPipeline(loaded.pipelines[0], {
      store,
      root: dataDir,
      logicalDate: new Date(date),
      concurrency: 4,
      runner,
    }),
  )();
// Cold: the 4 threads start (import keel, load the config, open the store) inside the run.
const threaded = await threadedRun(1);
// Warm: the same threads again, for a new date (nothing cached): the steady per-step cost.
const warm = await threadedRun(2);
await runner.close();
for (const r of [threaded, warm])
  if (r.result.run.status !== "succeeded")
    throw new Error(`worker-thread run ${r.result.run.status}: ${r.result.run.error}`);
await database.close();

let queue;
const pgUrl = process.env.BENCH_PG_URL ?? process.env.KEEL_TEST_PG_URL;
if (pgUrl) {
  const schema = `bench_orch_${process.pid}`;
  const pgDatabase = await openDatabase({ dbUrl: pgUrl, pgSchema: `${schema}_meta` });
  const pgStore = new PipelineStore(pgDatabase);
  const executor = await QueueExecutor.open({
    url: pgUrl,
    schema: `${schema}_boss`,
    pollingIntervalSeconds: 0.5,
  });
  const stop = await executor.work([pipeline], { store: pgStore, root: dataDir, concurrency: 4 });
  queue = await measure(async () => {
    const run = await executor.submit(pipeline, { store: pgStore, logicalDate: new Date(0) });
    return executor.waitFor(pgStore, run.runId, { pollMs: 20 });
  })();
  if (queue.result.run.status !== "succeeded")
    throw new Error(`queue run ${queue.result.run.status}`);
  await stop();
  await executor.close();
  await pgDatabase.close();
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const suffix of ["meta", "boss"])
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_${suffix} CASCADE`);
  await client.end();
}
const loadAfter = loadavg()[0];

const perStep = (r) => ((r.wall - floor.wall) / STEPS).toFixed(2);
const cpuPerStep = (r) => (r.cpu / STEPS).toFixed(2);
const rows = [
  `| in process, inline (SQLite, 4 at once), first run | ${(local.wall / 1000).toFixed(2)} s | ${(local.cpu / 1000).toFixed(2)} s | ${cpuPerStep(local)} ms | **${perStep(local)} ms** | ≤ 5 ms |`,
  `| in process, inline, a second date (nothing cached) | ${(localWarm.wall / 1000).toFixed(2)} s | ${(localWarm.cpu / 1000).toFixed(2)} s | ${cpuPerStep(localWarm)} ms | ${perStep(localWarm)} ms | — |`,
  `| in process, inline, the first date again (every step cached) | ${(cached.wall / 1000).toFixed(2)} s | ${(cached.cpu / 1000).toFixed(2)} s | ${cpuPerStep(cached)} ms | ${perStep(cached)} ms | — |`,
  `| in process, worker threads (4; the CLI's default), first run, threads starting | ${(threaded.wall / 1000).toFixed(2)} s | ${(threaded.cpu / 1000).toFixed(2)} s (all threads) | ${cpuPerStep(threaded)} ms (+${((threaded.cpu - local.cpu) / STEPS).toFixed(2)} ms over inline's first run) | **${perStep(threaded)} ms** | ≤ 5 ms |`,
  `| in process, worker threads, a second date on the started threads | ${(warm.wall / 1000).toFixed(2)} s | ${(warm.cpu / 1000).toFixed(2)} s (all threads) | ${cpuPerStep(warm)} ms (${((warm.cpu - localWarm.cpu) / STEPS).toFixed(2)} ms vs inline's second date) | ${perStep(warm)} ms | — |`,
  queue
    ? `| pg-boss on PostgreSQL (4 worker slots) | ${(queue.wall / 1000).toFixed(2)} s | ${(queue.cpu / 1000).toFixed(2)} s (this process: submitter + workers) | ${cpuPerStep(queue)} ms | **${perStep(queue)} ms** | ≤ 50 ms |`
    : "| pg-boss on PostgreSQL | not run (set BENCH_PG_URL) | | | | ≤ 50 ms |",
];
const table = `Measured ${new Date().toISOString().slice(0, 16)}Z on ${describeLoad([loadBefore, loadAfter])} (before, after). ${STEPS} no-op steps in ${CHAINS} parallel chains of ${STEPS / CHAINS}; a plain loop of the same ${STEPS} no-op calls took ${floor.wall.toFixed(2)} ms. Per-step overhead = (wall clock − loop) / ${STEPS}. Every step is a checkpoint: claim (lease), attempt record, outputs + cache entry written in a transaction. Airflow, the reference, does not install from Debian here, so no reference column.

Thread start-up (import keel, load the config with jiti, open the store), from the two thread rows: ${((threaded.cpu - warm.cpu) / 4 / 1000).toFixed(2)} s of CPU per thread. Worker threads: each try is posted to one of 4 threads, which load the config and open their own SQLite connection once (inside the measured time), build the step's \`ctx\`, run it and post the outputs back; the CPU column counts every thread of the process.

| run | wall clock | process CPU | CPU per step | per-step overhead (wall) | goal |
|---|---|---|---|---|---|
${rows.join("\n")}

Run: \`npm run build && KEEL_TEST_PG_URL=postgres://… node bench/orchestrate/run.mjs\`.`;
console.log(table);
const readme = join(projectRoot, "bench", "README.md");
const text = readFileSync(readme, "utf8");
const block = `<!-- bench:orchestrate -->\n${table}\n<!-- /bench:orchestrate -->`;
writeFileSync(
  readme,
  text.includes("<!-- bench:orchestrate -->")
    ? text.replace(/<!-- bench:orchestrate -->[\s\S]*<!-- \/bench:orchestrate -->/, block)
    : `${text.trimEnd()}\n\n## Orchestrate\n\n${block}\n`,
);
