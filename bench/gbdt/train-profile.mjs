// Training-phase timers for keel's GBDT on bench/gbdt's synthetic data (1M × 50, 5% missing),
// for profiling training without running the whole of bench/gbdt.
// Usage: npm run build && node [--cpu-prof] bench/gbdt/train-profile.mjs [nEstimators] [nRows]
// Prints the wall time of binning and boosting and the time per phase (gradients, histograms,
// subtract, splits, partition, update scores) as the booster's own timers measure them.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const { Frame, GbdtClassifier, numericColumn, createLogger } = await import(
  pathToFileURL(join(dist, "index.js")).href
);
const dataDir = join(here, "..", ".data");
const [nEstimators = "200", nRowsText] = process.argv.slice(2);

const meta = JSON.parse(readFileSync(join(dataDir, "synth-1m.json"), "utf8"));
const xb = readFileSync(join(dataDir, "synth-1m.x.f64"));
const x = new Float64Array(xb.buffer, xb.byteOffset, xb.byteLength / 8);
const yb = readFileSync(join(dataDir, "synth-1m.y.f64"));
const y = new Float64Array(yb.buffer, yb.byteOffset, yb.byteLength / 8);
const { nRows: n, nFeatures: f } = meta;
const nTrain = Math.min(meta.nTrain, Number(nRowsText ?? meta.nTrain));
const frame = Frame.fromColumns(
  Array.from({ length: f }, (_, j) => [`f${j}`, numericColumn(x.subarray(j * n, j * n + nTrain))]),
);

const records = [];
const logger = createLogger({ level: "debug", sink: (record) => records.push(record) });
const started = performance.now();
new GbdtClassifier({
  nEstimators: Number(nEstimators),
  maxDepth: 6,
  learningRate: 0.1,
  maxBins: 256,
  nThreads: Number(process.env.THREADS ?? 2),
  positiveClass: "1",
}).fit(frame, numericColumn(y.subarray(0, nTrain)), { logger });
const seconds = (performance.now() - started) / 1000;
const timers = records.find((r) => r.message === "gbdt timers");
console.log(
  JSON.stringify({
    nRows: nTrain,
    nEstimators: Number(nEstimators),
    seconds,
    timers: timers?.fields,
  }),
);
