// Batch and single-record prediction timing for a realistic GBDT (200 trees, depth 6), for
// profiling `predictProba`/`predictMargins` without running the whole of bench/gbdt.
// Usage: node [--cpu-prof] bench/gbdt/predict-profile.mjs [--retrain] [--save-reference] [--xgboost]
// The model is trained once on seeded synthetic data (100k rows, 50 numeric features with 5%
// missing, 3 categoricals) and cached in bench/.data; --save-reference stores its margins on the
// 200k prediction rows so later runs (after a change to prediction) check they are bit-identical.
// --xgboost also writes the same data as raw float64 (category codes, NaN missing or unseen)
// and times XGBoost (same settings, one-hot categoricals) predicting the 200k rows in this run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const keel = await import(pathToFileURL(join(dist, "index.js")).href);
const { Frame, GbdtClassifier, numericColumn, categoricalFromValues, loadFittedGbdt } = keel;
const { encodeState, decodeState } = keel;
const dataDir = join(here, "..", ".data");
mkdirSync(dataDir, { recursive: true });
const args = new Set(process.argv.slice(2));

const N_NUMERIC = 50;
const CATEGORIES = [
  ["a", "b", "c", "d"],
  Array.from({ length: 12 }, (_, i) => `city${i}`),
  Array.from({ length: 40 }, (_, i) => `sku${i}`),
];

/** mulberry32: a small seeded generator so the data is the same in every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows of numeric features (5% NaN) and categoricals (3% missing, a few unseen at predict). */
function makeData(nRows, seed, withUnseen) {
  const next = rng(seed);
  const numeric = Array.from({ length: N_NUMERIC }, () => new Float64Array(nRows));
  const cats = CATEGORIES.map(() => new Array(nRows));
  const codes = CATEGORIES.map(() => new Float64Array(nRows));
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let score = 0;
    for (let f = 0; f < N_NUMERIC; f++) {
      const v = (next() + next() + next() - 1.5) * 2;
      numeric[f][i] = next() < 0.05 ? Number.NaN : v;
      if (f < 10) score += v * (f % 2 === 0 ? 1 : -0.7);
    }
    for (let c = 0; c < CATEGORIES.length; c++) {
      const k = Math.floor(next() * CATEGORIES[c].length);
      codes[c][i] = Number.NaN;
      if (next() < 0.03) cats[c][i] = null;
      else if (withUnseen && next() < 0.01) cats[c][i] = `unseen${c}`;
      else {
        cats[c][i] = CATEGORIES[c][k];
        codes[c][i] = k;
      }
      score += (k % 3) - 1;
    }
    y[i] = score + (next() - 0.5) * 3 > 0 ? 1 : 0;
  }
  const columns = numeric.map((v, f) => [`f${f}`, numericColumn(v)]);
  for (let c = 0; c < CATEGORIES.length; c++)
    columns.push([`cat${c}`, categoricalFromValues(cats[c])]);
  return {
    x: Frame.fromColumns(columns),
    y: numericColumn(y),
    raw: [...numeric, ...codes],
    yRaw: y,
  };
}

/** Column-major float64 file of a data set's raw columns, then its labels. */
function writeRaw(name, data) {
  const nRows = data.yRaw.length;
  const all = new Float64Array((data.raw.length + 1) * nRows);
  for (const [j, column] of data.raw.entries()) all.set(column, j * nRows);
  all.set(data.yRaw, data.raw.length * nRows);
  writeFileSync(join(dataDir, name), Buffer.from(all.buffer));
}

const modelFile = join(dataDir, "predict-profile-model.json");
let model;
if (!args.has("--retrain") && existsSync(modelFile)) {
  const saved = JSON.parse(readFileSync(modelFile, "utf8"));
  const buffers = saved.buffers.map((b) => new Uint8Array(Buffer.from(b, "base64")));
  model = loadFittedGbdt(decodeState(saved.state, buffers));
} else {
  const train = makeData(100_000, 1, false);
  const started = performance.now();
  model = new GbdtClassifier({
    nEstimators: 200,
    maxDepth: 6,
    learningRate: 0.1,
    maxBins: 256,
    seed: 7,
  }).fit(train.x, train.y);
  console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const buffers = [];
  const state = encodeState(model.toState(), buffers);
  writeFileSync(
    modelFile,
    JSON.stringify({
      state,
      buffers: buffers.map((b) =>
        Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"),
      ),
    }),
  );
}

const test = makeData(200_000, 2, true);
// Warm up (JIT) on a slice, then time the full 200k batch a few times and keep the best.
model.predictMargins(test.x.take(Array.from({ length: 5000 }, (_, i) => i)));
// Wall time and CPU time (user + system of every thread of the process: on a shared machine
// the steadier figure), best of 3 each.
let best = Number.POSITIVE_INFINITY;
let bestCpu = Number.POSITIVE_INFINITY;
let margins;
for (let r = 0; r < 3; r++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  margins = model.predictMargins(test.x);
  best = Math.min(best, performance.now() - started);
  const used = process.cpuUsage(cpu);
  bestCpu = Math.min(bestCpu, (used.user + used.system) / 1000);
}
const probaCpu = process.cpuUsage();
const probaStarted = performance.now();
model.predictProba(test.x);
const probaMs = performance.now() - probaStarted;
const probaCpuUsed = process.cpuUsage(probaCpu);
const probaCpuMs = (probaCpuUsed.user + probaCpuUsed.system) / 1000;

const records = Array.from({ length: 2000 }, (_, i) => {
  const r = {};
  for (const name of test.x.columnNames) r[name] = keel.cellAt(test.x.column(name), i);
  return r;
});
for (const r of records) model.predictRecord(r);
const times = [];
for (let rep = 0; rep < 5; rep++)
  for (const r of records) {
    const t0 = process.hrtime.bigint();
    model.predictRecord(r);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
times.sort((a, b) => a - b);

const referenceFile = join(dataDir, "predict-profile-margins.f64");
let check = "no reference (run with --save-reference)";
if (args.has("--save-reference")) {
  writeFileSync(referenceFile, Buffer.from(margins.buffer, margins.byteOffset, margins.byteLength));
  check = "reference saved";
} else if (existsSync(referenceFile)) {
  const b = readFileSync(referenceFile);
  const ref = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  let diff = ref.length === margins.length ? 0 : -1;
  for (let i = 0; diff >= 0 && i < ref.length; i++) if (!Object.is(ref[i], margins[i])) diff++;
  check = diff === 0 ? "bit-identical to reference" : `DIFFERS from reference (${diff} margins)`;
}
let xgboost;
if (args.has("--xgboost")) {
  writeRaw("predict-profile-train.f64", makeData(100_000, 1, false));
  writeRaw("predict-profile-test.f64", test);
  const run = spawnSync(
    "/usr/bin/python3",
    [
      join(here, "predict-reference.py"),
      dataDir,
      String(N_NUMERIC),
      CATEGORIES.map((c) => c.length).join(","),
    ],
    { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "2", OMP_WAIT_POLICY: "PASSIVE" } },
  );
  if (run.status !== 0) throw new Error(`predict-reference.py failed: ${run.stderr}`);
  xgboost = JSON.parse(run.stdout.trim().split("\n").at(-1));
  xgboost.keelOverXgboost = +(probaMs / 1000 / xgboost.predictProba200kSeconds).toFixed(2);
  xgboost.keelOverXgboostCpu = +(probaCpuMs / 1000 / xgboost.predictProba200kCpuSeconds).toFixed(2);
}
console.log(
  JSON.stringify({
    xgboost,
    trees: model.nTrees,
    predictMargins200kSeconds: +(best / 1000).toFixed(3),
    predictMargins200kCpuSeconds: +(bestCpu / 1000).toFixed(3),
    predictProba200kSeconds: +(probaMs / 1000).toFixed(3),
    predictProba200kCpuSeconds: +(probaCpuMs / 1000).toFixed(3),
    singleRecordMicrosMedian: +times[times.length >> 1].toFixed(2),
    loadAverage: (await import("node:os")).loadavg().map((l) => +l.toFixed(2)),
    check,
  }),
);
