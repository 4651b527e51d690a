// Serving benchmark (issue 19): keel serve vs FastAPI + uvicorn + XGBoost vs a no-op Fastify
// route, same Telco model shape (200 trees, depth 6), same load generator (autocannon, 8
// connections, single-record requests), one run. Also: p99 at half of keel's maximum rate,
// 1,000-record batches (rows/s), and the prediction log's cost (keel serve with and without it).
//
// Usage: npm run build && node bench/serve/run.mjs [--seconds 10] [--rounds 2] [--out bench/serve/result.json]
// Python: /usr/bin/python3 with xgboost, pandas, fastapi, uvicorn (Debian packages).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import autocannon from "autocannon";
import { paced } from "./paced.mjs";

const HERE = dirname(new URL(import.meta.url).pathname);
const ROOT = resolve(HERE, "../..");
const KEEL = join(ROOT, "dist/cli/main.js");
const DATA = join(ROOT, "data/telco_churn.csv");
const PYTHON = "/usr/bin/python3";
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(option("seconds", "10"));
const ROUNDS = Number(option("rounds", "2"));
const OUT = option("out", join(HERE, "result.json"));
// --keel-only: skip Python (and its training) for quick before/after runs of keel's own path.
const KEEL_ONLY = args.includes("--keel-only");
const work = mkdtempSync(join(tmpdir(), "keel-bench-serve-"));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
const log = (line) => process.stderr.write(`${line}\n`);

/**
 * CPU seconds (user + system) a process has used so far, from /proc; with `mainThread`, only
 * its main thread's (the event loop's: keel's log writer thread is left out).
 */
function cpuSeconds(pid, mainThread = false) {
  const stat = readFileSync(
    mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`,
    "utf8",
  );
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

async function waitFor(url, init = {}) {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(url, init);
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never came up`);
}

function start(command, argv, options) {
  const child = spawn(command, argv, { stdio: ["ignore", "ignore", "pipe"], ...options });
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.on("exit", (code) => {
    if (code && code !== 0 && !child.stopping)
      log(`${command} exited ${code}: ${err.slice(-2000)}`);
  });
  return child;
}

async function stop(child) {
  child.stopping = true;
  const done = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([done, new Promise((r) => setTimeout(r, 8000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

function cannon(options) {
  return new Promise((resolvePromise, reject) => {
    autocannon({ connections: 8, duration: SECONDS, ...options }, (error, result) =>
      error ? reject(error) : resolvePromise(result),
    );
  });
}

/** One measured load run against a server process: throughput, latency, CPU time, load. */
async function measure(name, pid, options, rowsPerRequest = 1) {
  // A short warm-up so JIT and caches are hot before measuring.
  await cannon({ ...options, duration: 2 });
  const before = { cpu: cpuSeconds(pid), loopCpu: cpuSeconds(pid, true), load: load() };
  const result = await cannon(options);
  const cpu = cpuSeconds(pid) - before.cpu;
  const loopCpu = cpuSeconds(pid, true) - before.loopCpu;
  const total = result.requests.total;
  const row = {
    name,
    reqPerSec: total / SECONDS,
    rowsPerSec: (total * rowsPerRequest) / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpuSeconds: cpu,
    serverCpuMsPerRequest: total > 0 ? (cpu * 1000) / total : null,
    eventLoopCpuMsPerRequest: total > 0 ? (loopCpu * 1000) / total : null,
    loadBefore: before.load,
    loadAfter: load(),
  };
  log(
    `${name}: ${row.reqPerSec.toFixed(0)} req/s, ${row.rowsPerSec.toFixed(0)} rows/s, p50 ${row.p50} ms, p99 ${row.p99} ms, non2xx ${row.non2xx}, server CPU ${row.serverCpuMsPerRequest?.toFixed(3)} ms/req (event loop ${row.eventLoopCpuMsPerRequest?.toFixed(3)}), load ${row.loadBefore} → ${row.loadAfter}`,
  );
  return row;
}

const results = { seconds: SECONDS, connections: 8, startedAt: new Date().toISOString() };
try {
  log(`training both models (load ${load()})`);
  execFileSync(
    "node",
    [
      KEEL,
      "train",
      "--data",
      DATA,
      "--target",
      "churn",
      "--positive",
      "Yes",
      "--param",
      "nEstimators=200",
      "--param",
      "maxDepth=6",
      "--out",
      join(work, "keel-model"),
    ],
    { cwd: work, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (!KEEL_ONLY)
    execFileSync(PYTHON, [join(HERE, "xgb_train.py"), DATA, work], { stdio: "inherit" });

  // 100 distinct Telco customers, as JSON records typed as the CSV reads them.
  const { readFrame } = await import(join(ROOT, "dist/data/index.js"));
  const telco = await readFrame(DATA);
  const records = telco.drop(["churn"]).head(1000).toRecords();
  const single = records.slice(0, 100).map((r) => JSON.stringify({ records: [r] }));
  const batch = JSON.stringify({ records: records.slice(0, 1000) });
  const post = (path, bodies) => ({
    requests: bodies.map((body) => ({ method: "POST", path, body })),
    headers: { "content-type": "application/json" },
  });

  const keelServe = async (port, extra) => {
    const child = start(
      "node",
      [KEEL, "serve", "--model", join(work, "keel-model"), "--port", String(port), ...extra],
      { cwd: work },
    );
    await waitFor(`http://127.0.0.1:${port}/ready`);
    return child;
  };

  // All three Node servers run side by side (an idle one costs nothing) and are measured in
  // interleaved rounds; each figure is the best round, since other jobs on the machine only
  // ever slow a round down.
  const withLog = await keelServe(8090, []);
  const noLog = await keelServe(8093, ["--no-log"]);
  const noop = start("node", [join(HERE, "noop-server.mjs"), "8092"], { cwd: ROOT });
  await waitFor("http://127.0.0.1:8092/noop", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const predict = (port, bodies, extra = {}) => ({
    url: `http://127.0.0.1:${port}`,
    ...post("/v1/deployments/default/predict", bodies),
    ...extra,
  });
  const best = (rows) =>
    rows.reduce((a, b) => (b.serverCpuMsPerRequest < a.serverCpuMsPerRequest ? b : a));
  const rounds = { keel: [], keelNoLog: [], noop: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    rounds.keel.push(
      await measure(`keel serve (log on), round ${round}`, withLog.pid, predict(8090, single)),
    );
    rounds.keelNoLog.push(
      await measure(`keel serve (log off), round ${round}`, noLog.pid, predict(8093, single)),
    );
    rounds.noop.push(
      await measure(`no-op Fastify route, round ${round}`, noop.pid, {
        url: "http://127.0.0.1:8092",
        ...post("/noop", single),
      }),
    );
  }
  results.rounds = rounds;
  results.keel = best(rounds.keel);
  results.keelNoLog = best(rounds.keelNoLog);
  results.noop = best(rounds.noop);
  results.keelHalf = await measure(
    "keel serve (log on) at half its max rate",
    withLog.pid,
    predict(8090, single, {
      overallRate: Math.floor(Math.max(...rounds.keel.map((r) => r.reqPerSec)) / 2),
    }),
  );
  // The same half rate from a paced (open-loop) sender: one request every 1/rate s, latency
  // timed from each request's scheduled send time.
  {
    const rate = Math.floor(Math.max(...rounds.keel.map((r) => r.reqPerSec)) / 2);
    const before = { cpu: cpuSeconds(withLog.pid), load: load() };
    const r = await paced({
      url: "http://127.0.0.1:8090",
      path: "/v1/deployments/default/predict",
      bodies: single,
      rate,
      seconds: SECONDS,
    });
    results.keelHalfPaced = {
      ...r,
      serverCpuMsPerRequest: ((cpuSeconds(withLog.pid) - before.cpu) * 1000) / r.requests,
      loadBefore: before.load,
      loadAfter: load(),
    };
    log(`keel serve (log on), paced at ${rate} req/s: ${JSON.stringify(results.keelHalfPaced)}`);
    // And at a fixed modest rate, for a tail that is not dominated by the machine's run queue.
    const low = { cpu: cpuSeconds(withLog.pid), load: load() };
    const r1000 = await paced({
      url: "http://127.0.0.1:8090",
      path: "/v1/deployments/default/predict",
      bodies: single,
      rate: 1000,
      seconds: SECONDS,
    });
    results.keelPaced1000 = {
      ...r1000,
      serverCpuMsPerRequest: ((cpuSeconds(withLog.pid) - low.cpu) * 1000) / r1000.requests,
      loadBefore: low.load,
      loadAfter: load(),
    };
    log(`keel serve (log on), paced at 1000 req/s: ${JSON.stringify(results.keelPaced1000)}`);
  }
  results.keelBatch = await measure(
    "keel serve (log on), 1,000-record batches",
    withLog.pid,
    predict(8090, [batch], { connections: 4 }),
    1000,
  );
  results.keelNoLogBatch = await measure(
    "keel serve (log off), 1,000-record batches",
    noLog.pid,
    predict(8093, [batch], { connections: 4 }),
    1000,
  );
  await Promise.all([stop(withLog), stop(noLog), stop(noop)]);
  if (KEEL_ONLY) {
    writeFileSync(OUT, `${JSON.stringify(results, null, 1)}\n`);
    rmSync(work, { recursive: true, force: true });
    process.exit(0);
  }

  const python = start(
    PYTHON,
    [
      "-m",
      "uvicorn",
      "xgb_service:app",
      "--workers",
      "1",
      "--port",
      "8091",
      "--log-level",
      "warning",
    ],
    {
      cwd: HERE,
      env: { ...process.env, MODEL_DIR: work, OMP_NUM_THREADS: "1" },
    },
  );
  await waitFor("http://127.0.0.1:8091/docs");
  results.python = await measure("FastAPI + uvicorn + XGBoost", python.pid, {
    url: "http://127.0.0.1:8091",
    ...post("/predict", single),
  });
  results.pythonBatch = await measure(
    "FastAPI + uvicorn + XGBoost, 1,000-record batches",
    python.pid,
    { url: "http://127.0.0.1:8091", connections: 4, ...post("/predict", [batch]) },
    1000,
  );
  await stop(python);

  results.ratios = {
    keelOverPython: results.keel.reqPerSec / results.python.reqPerSec,
    keelOverPythonCpu: results.python.serverCpuMsPerRequest / results.keel.serverCpuMsPerRequest,
    keelOverNoop: results.keel.reqPerSec / results.noop.reqPerSec,
    logCost: 1 - results.keel.reqPerSec / results.keelNoLog.reqPerSec,
    logCostCpu: results.keel.serverCpuMsPerRequest / results.keelNoLog.serverCpuMsPerRequest - 1,
    logCostEventLoopCpu:
      results.keel.eventLoopCpuMsPerRequest / results.keelNoLog.eventLoopCpuMsPerRequest - 1,
    keelOverNoopCpu: results.noop.serverCpuMsPerRequest / results.keel.serverCpuMsPerRequest,
  };
  results.finishedAt = new Date().toISOString();
  writeFileSync(OUT, `${JSON.stringify(results, null, 1)}\n`);
  log(JSON.stringify(results.ratios));
} finally {
  rmSync(work, { recursive: true, force: true });
}
