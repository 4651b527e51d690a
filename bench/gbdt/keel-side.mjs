// keel side of bench/gbdt, run in its own process so its peak memory is its own.
// Usage: node bench/gbdt/keel-side.mjs telco|synthetic [nEstimators]
// Prints one JSON line: auc, trainSeconds, predict200kSeconds, singleRecordMicros, peakRssMb.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// KEEL_DIST points at another build (e.g. a snapshot taken before a long run); default dist/.
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const { Frame, GbdtClassifier, numericColumn, readFrame, rocAuc } = await import(
  pathToFileURL(join(dist, "index.js")).href
);
const dataDir = join(here, "..", ".data");
const [dataset = "telco", nEstimatorsText = "200"] = process.argv.slice(2);
const params = {
  nEstimators: Number(nEstimatorsText),
  maxDepth: 6,
  learningRate: 0.1,
  maxBins: 256,
  nThreads: 2,
};

async function loadTelco() {
  const frame = await readFrame(join(here, "..", "..", "..", "shared", "data", "telco_churn.csv"));
  // The split the Python side drew (stratified, seed 42), so both train on the same rows.
  const split = JSON.parse(readFileSync(join(dataDir, "telco-split.json"), "utf8"));
  const train = frame.take(split.train);
  const test = frame.take(split.test);
  const label = (f) => {
    const c = f.categorical("churn");
    return Float64Array.from(c.codes, (code) => (c.categories[code] === "Yes" ? 1 : 0));
  };
  return {
    xTrain: train.drop(["churn"]),
    yTrain: train.column("churn"),
    xTest: test.drop(["churn"]),
    yTest: label(test),
    positive: "Yes",
  };
}

function loadSynthetic() {
  const meta = JSON.parse(readFileSync(join(dataDir, "synth-1m.json"), "utf8"));
  const xb = readFileSync(join(dataDir, "synth-1m.x.f64"));
  const x = new Float64Array(xb.buffer, xb.byteOffset, xb.byteLength / 8);
  const yb = readFileSync(join(dataDir, "synth-1m.y.f64"));
  const y = new Float64Array(yb.buffer, yb.byteOffset, yb.byteLength / 8);
  const { nRows: n, nFeatures: f, nTrain } = meta;
  const frame = (a, b) =>
    Frame.fromColumns(
      Array.from({ length: f }, (_, j) => [
        `f${j}`,
        numericColumn(x.subarray(j * n + a, j * n + b)),
      ]),
    );
  return {
    xTrain: frame(0, nTrain),
    yTrain: numericColumn(y.subarray(0, nTrain)),
    xTest: frame(nTrain, n),
    yTest: y.subarray(nTrain),
    positive: "1",
  };
}

const data = dataset === "telco" ? await loadTelco() : loadSynthetic();
let started = performance.now();
const model = new GbdtClassifier({ ...params, positiveClass: data.positive }).fit(
  data.xTrain,
  data.yTrain,
);
const trainSeconds = (performance.now() - started) / 1000;

const proba = model.predictProba(data.xTest);
const p1 = Float64Array.from({ length: data.xTest.nRows }, (_, i) => proba[2 * i + 1]);
const auc = rocAuc(data.yTest, p1);

const nTest = data.xTest.nRows;
const batch =
  nTest >= 200_000
    ? data.xTest.slice(0, 200_000)
    : data.xTest.take(Int32Array.from({ length: 200_000 }, (_, i) => i % nTest));
started = performance.now();
model.predictProba(batch);
const predict200kSeconds = (performance.now() - started) / 1000;

const records = Array.from({ length: 200 }, (_, i) => data.xTest.row(i % nTest));
for (let i = 0; i < 2000; i++) model.predictRecord(records[i % 200]);
const times = [];
for (let i = 0; i < 2000; i++) {
  const t = process.hrtime.bigint();
  model.predictRecord(records[i % 200]);
  times.push(Number(process.hrtime.bigint() - t) / 1000);
}
times.sort((a, b) => a - b);

console.log(
  JSON.stringify({
    system: "keel",
    dataset,
    auc,
    trainSeconds,
    predict200kSeconds,
    singleRecordMicros: times[times.length >> 1],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    trees: model.nTrees,
  }),
);
