// keel's side of bench/evaluate, run in its own process by run.mjs; prints one JSON line.
// Usage: node bench/evaluate/keel-side.mjs metrics|cv
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// KEEL_DIST points at another build of keel (default: this checkout's dist/).
const { averagePrecision, crossValidate, GbdtClassifier, readFrame, rocAuc, StratifiedKFold } =
  await import(process.env.KEEL_DIST ?? "../../dist/index.js");

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "..", ".data");
const mode = process.argv[2];

function timed(fn, repeats) {
  const seconds = [];
  let value;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    value = fn();
    seconds.push((performance.now() - t0) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return { value, best: seconds[0], median: seconds[Math.floor(seconds.length / 2)] };
}

if (mode === "metrics") {
  const scores = new Float64Array(
    readFileSync(join(dataDir, "eval-10m.scores.f64")).buffer.slice(0),
  );
  const labels = new Uint8Array(readFileSync(join(dataDir, "eval-10m.labels.u8")));
  const auc = timed(() => rocAuc(labels, scores), 3);
  const ap = timed(() => averagePrecision(labels, scores), 3);
  console.log(JSON.stringify({ rocAuc: auc, averagePrecision: ap }));
} else {
  const frame = await readFrame(join(here, "..", "..", "data", "telco_churn.csv"));
  const cv = new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 });
  const y = Array.from(
    frame.categorical("churn").codes,
    (c) => frame.categorical("churn").categories[c],
  );
  // The same folds go to scikit-learn as a PredefinedSplit.
  const testFold = new Array(frame.nRows).fill(-1);
  cv.split({ nRows: frame.nRows, y }).forEach((f, k) => {
    for (const i of f.test) testFold[i] = k;
  });
  writeFileSync(join(dataDir, "telco-cv-folds.json"), JSON.stringify(testFold));
  const estimator = new GbdtClassifier({
    nEstimators: 100,
    maxDepth: 6,
    learningRate: 0.1,
    maxBins: 256,
    nThreads: 1,
    positiveClass: "Yes",
  });
  const t0 = performance.now();
  const result = await crossValidate(estimator, frame, {
    target: "churn",
    positive: "Yes",
    cv,
    metrics: ["rocAuc"],
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      seconds,
      meanAuc: result.mean.rocAuc,
      folds: result.folds.map((f) => f.metrics.rocAuc),
    }),
  );
}
