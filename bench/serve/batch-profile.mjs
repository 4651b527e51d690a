// CPU time of one big batch request, stage by stage, on the path the predict route takes:
// JSON body text → JSON.parse → parseScoringJson → ServingRuntime.predict (signature checks,
// chunked scoring) → the JSON reply text. Runs in-process (no HTTP), so the figures are the
// event loop's own CPU; with `node --cpu-prof` it writes a profile of exactly that path.
// Usage: npm run build && node bench/serve/batch-profile.mjs MODEL_DIR [--rows 200000] [--repeats 3] [--dist DIR]
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const D = resolve(arg("--dist", join(ROOT, "dist")));
const model = resolve(args[0]);
const ROWS = Number(arg("--rows", 200_000));
const REPEATS = Number(arg("--repeats", 3));
const { readFrame } = await import(`${D}/data/index.js`);
const { openTracking } = await import(`${D}/track/index.js`);
const { ServingRuntime, parseScoringJson } = await import(`${D}/serve/index.js`);

const telco = (await readFrame(join(ROOT, "data/telco_churn.csv"))).drop(["churn"]).toRecords();
const records = Array.from({ length: ROWS }, (_, i) => telco[i % telco.length]);
const body = JSON.stringify({ records });
const tracking = await openTracking({ root: dirname(model) });
const runtime = await ServingRuntime.open({
  tracking,
  cwd: dirname(model),
  deployments: [{ name: "default", variants: [{ name: "default", model, weight: 1 }] }],
  timeoutMs: 600_000,
});
const mainCpu = () => {
  const st = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10; // ms
};
console.log(`${ROWS} rows, body ${(body.length / 2 ** 20).toFixed(1)} MiB, build ${D}`);
for (let r = 0; r < REPEATS; r++) {
  const p0 = process.cpuUsage();
  const w0 = performance.now();
  const t0 = mainCpu();
  const parsed = JSON.parse(body);
  const t1 = mainCpu();
  const rows = parseScoringJson(parsed);
  const t2 = mainCpu();
  const result = await runtime.predict("default", rows);
  const t3 = mainCpu();
  const reply = JSON.stringify({
    predictions: result.predictions,
    variant: result.variant,
    modelVersion: result.modelVersion,
    requestId: result.requestId,
  });
  const t4 = mainCpu();
  const p = process.cpuUsage(p0);
  const processMs = Math.round((p.user + p.system) / 1000);
  const wall = Math.round(performance.now() - w0);
  const total = t4 - t0;
  console.log(
    `repeat ${r}: JSON.parse ${t1 - t0} ms, shape ${t2 - t1} ms, predict ${t3 - t2} ms, reply ${t4 - t3} ms (${(reply.length / 2 ** 20).toFixed(1)} MiB); event loop ${total} ms CPU, process ${processMs} ms CPU (helper threads too), wall ${wall} ms = ${Math.round((ROWS / processMs) * 1000)} rows per process CPU-second`,
  );
}
await runtime.close();
await tracking.close();
