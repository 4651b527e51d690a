// CPU time of 1,000-record batch requests, in one process, interleaved round by round:
//   request  JSON.parse → parseScoringJson → ServingRuntime.predict → JSON reply (the predict
//            route's work without HTTP), for `records` and `columns`/`data` bodies;
//   A/B      the scoring step alone on the same conformed records: A, the frame path serving
//            used before (a Frame per 512-row chunk, bundle.predictProba: the forest copied into
//            kernel memory per chunk), B, bundle.predictProbaRecords (records written straight
//            into the inputs of the model's resident forest). Both must give the same bytes.
// Usage: npm run build && node bench/serve/batch-ab.mjs MODEL_DIR [--rounds 10] [--requests 50]
import { dirname, join, resolve } from "node:path";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const D = join(ROOT, "dist");
const model = resolve(args[0]);
const ROUNDS = Number(arg("--rounds", 10));
const REQUESTS = Number(arg("--requests", 50));
const ROWS = 1000;
const { Frame } = await import(`${D}/core/index.js`);
const { readFrame } = await import(`${D}/data/index.js`);
const { openTracking } = await import(`${D}/track/index.js`);
const { ServingRuntime, parseScoringJson, conformRows } = await import(`${D}/serve/index.js`);

const telco = (await readFrame(join(ROOT, "data/telco_churn.csv"))).drop(["churn"]).toRecords();
const records = Array.from({ length: ROWS }, (_, i) => telco[(i * 7) % telco.length]);
const names = Object.keys(records[0]);
const bodies = {
  records: JSON.stringify({ records }),
  columns: JSON.stringify({ columns: names, data: records.map((r) => names.map((n) => r[n])) }),
};
const tracking = await openTracking({ root: dirname(model) });
const runtime = await ServingRuntime.open({
  tracking,
  cwd: dirname(model),
  deployments: [{ name: "default", variants: [{ name: "default", model, weight: 1 }] }],
  timeoutMs: 600_000,
});
const bundle = runtime.variantModels("default").default.bundle;
const conformed = conformRows(bundle.inputSignature, parseScoringJson(JSON.parse(bodies.records)));

const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
async function request(body) {
  const result = await runtime.predict("default", parseScoringJson(JSON.parse(body)));
  return JSON.stringify({ predictions: result.predictions, requestId: result.requestId });
}
function framePath() {
  const out = new Float64Array(2 * ROWS);
  for (let from = 0; from < ROWS; from += 512) {
    const to = Math.min(ROWS, from + 512);
    const frame = Frame.fromRecords(conformed.slice(from, to), bundle.inputSignature.columns);
    out.set(bundle.predictProba(frame), 2 * from);
  }
  return out;
}
const recordsPath = () => bundle.predictProbaRecords(conformed, { checked: true });
const a = framePath();
const b = recordsPath();
if (!Buffer.from(a.buffer).equals(Buffer.from(b.buffer))) throw new Error("A and B differ");

const stages = { records: [], columns: [], A: [], B: [] };
for (let r = -2; r < ROUNDS; r++) {
  for (const [name, run] of [
    ["records", () => request(bodies.records)],
    ["A", framePath],
    ["columns", () => request(bodies.columns)],
    ["B", recordsPath],
  ]) {
    const c0 = cpu();
    for (let i = 0; i < REQUESTS; i++) await run();
    // The first two rounds warm up.
    if (r >= 0) stages[name].push((cpu() - c0) / REQUESTS);
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const line = (name, what) =>
  `${what.padEnd(58)} ${(median(stages[name]) / 1000).toFixed(2).padStart(6)} ms CPU per 1000 rows = ${Math.round(
    (ROWS * 1e6) / median(stages[name]),
  )
    .toLocaleString("en")
    .padStart(9)} rows per CPU-second`;
console.log(`median of ${ROUNDS} interleaved rounds × ${REQUESTS} requests, ${ROWS} rows each`);
console.log(line("records", "request, { records } body (parse, check, score, reply)"));
console.log(line("columns", "request, { columns, data } body"));
console.log(line("A", "scoring only, A: frame per 512-row chunk (before)"));
console.log(line("B", "scoring only, B: resident forest, records → inputs (now)"));
await runtime.close();
await tracking.close();
