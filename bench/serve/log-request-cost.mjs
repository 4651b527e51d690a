// What the prediction log costs a request, in one process: the same ServingRuntime call
// (`runtime.predict`, no HTTP) on two runtimes over the same Telco model, one with the log
// (SQLite file, writer thread) and one without, interleaved in rounds. Per request: the event
// loop's CPU (the main thread, from /proc: what limits one process's request rate) and the
// process's (the writer thread too). Single records and 1,000-row batches.
// Usage: npm run build && node bench/serve/log-request-cost.mjs [--dist DIR] [--requests N]
//        [--rounds R] [--trees T]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const D = resolve(arg("--dist", join(ROOT, "dist")));
const REQUESTS = Number(arg("--requests", 20_000));
const ROUNDS = Number(arg("--rounds", 3));
const TREES = Number(arg("--trees", 200));
const keel = await import(`${D}/index.js`);

function mainCpu() {
  const st = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10_000;
}
const processCpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const project = mkdtempSync(join(tmpdir(), "keel-log-request-cost-"));
try {
  const tracking = await keel.openTracking({ root: project });
  const telco = await keel.readFrame(join(ROOT, "data/telco_churn.csv"));
  const x = telco.drop(["churn"]);
  const model = new keel.GbdtClassifier({ nEstimators: TREES, maxDepth: 6, seed: 1 }).fit(
    x,
    telco.column("churn"),
  );
  await keel.saveModel(join(project, "model"), {
    model,
    inputSignature: { columns: x.schema(), target: "churn" },
    positiveClass: "Yes",
    lineage: { params: model.params, codeVersion: "bench", createdAt: new Date().toISOString() },
  });
  const records = x.toRecords();
  const spec = (name) => ({
    name,
    variants: [{ name: "default", model: join(project, "model"), weight: 1 }],
  });
  const store = keel.openServingStore(tracking.database);
  const log = keel.createPredictionLog(keel.predictionSinkFor(tracking.database, store), {
    maxQueue: 100_000,
    batchSize: 2000,
    flushIntervalMs: 200,
  });
  const open = (name, withLog) =>
    keel.ServingRuntime.open({
      tracking,
      cwd: project,
      deployments: [spec(name)],
      store,
      ...(withLog ? { log, logCapacity: 100_000 } : {}),
    });
  const on = await open("on", true);
  const off = await open("off", false);
  const singles = records.slice(0, 100).map((r) => keel.parseScoringJson({ records: [r] }));
  const batch = keel.parseScoringJson({ records: records.slice(0, 1000) });

  async function measure(runtime, name, bodies, count) {
    // Start each measurement with an empty queue, so earlier rounds' writes do not count here.
    await log.flush();
    const m0 = mainCpu();
    const c0 = processCpu();
    for (let i = 0; i < count; i++) await runtime.predict(name, bodies[i % bodies.length]);
    await log.flush();
    return { main: (mainCpu() - m0) / count, process: (processCpu() - c0) / count };
  }
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [kind, bodies, count] of [
      ["single", singles, REQUESTS],
      ["batch1000", [batch], Math.max(20, Math.round(REQUESTS / 200))],
    ]) {
      const a = await measure(on, "on", bodies, count);
      const b = await measure(off, "off", bodies, count);
      const r = {
        round,
        kind,
        logOn: { mainUs: +a.main.toFixed(1), processUs: +a.process.toFixed(1) },
        logOff: { mainUs: +b.main.toFixed(1), processUs: +b.process.toFixed(1) },
        eventLoopCost: `${((a.main / b.main - 1) * 100).toFixed(1)}%`,
        processCost: `${((a.process / b.process - 1) * 100).toFixed(1)}%`,
      };
      rows.push(r);
      console.log(JSON.stringify(r));
    }
  }
  await on.close();
  await off.close();
  await tracking.close();
} finally {
  rmSync(project, { recursive: true, force: true });
}
