// Where a second GBDT training thread starts to pay, per phase: fits the same binned data with
// 1 and 2 threads (threads forced on at any size), alternating, and prints each phase's time
// (the booster's own timers) for both, with the load average. Data: `rows` × `features`
// uniform numeric features with a logistic target, 30 trees of depth 6.
// Usage: npm run build && node bench/gbdt/thread-crossover.mjs [repeats] [rows,rows,...] [features,...]
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const load = async (path) => import(pathToFileURL(join(dist, path)).href);
const { boost } = await load("models/gbdt/booster.js");
const { binFeatures } = await load("models/gbdt/binning.js");
const { objectiveFor } = await load("models/gbdt/objectives.js");

const [repeatsText = "3", rowsText = "25000,50000,100000,200000,400000", featuresText = "4,8"] =
  process.argv.slice(2);
const repeats = Number(repeatsText);

/** A deterministic generator (mulberry32), so every run fits the same data. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function trainOnce(nRows, nFeatures, nThreads) {
  const next = random(nRows * 31 + nFeatures);
  const columns = Array.from({ length: nFeatures }, () =>
    Float64Array.from({ length: nRows }, () => Math.floor(next() * 100)),
  );
  const y = Float64Array.from({ length: nRows }, (_, i) => {
    const z = (columns[0][i] - 50) / 20 + (columns[1 % nFeatures][i] > 70 ? 1 : -0.5);
    return next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  });
  const data = binFeatures(
    columns.map((values) => ({ kind: "numeric", values })),
    columns.map(() => 0),
    256,
    0,
    1,
  );
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = boost({
    data,
    y,
    weight: new Float64Array(nRows).fill(1),
    objective: objectiveFor("binary", { nClasses: 2, huberDelta: 1 }),
    rules: {
      growPolicy: "depthwise",
      maxDepth: 6,
      maxLeaves: Number.POSITIVE_INFINITY,
      learningRate: 0.1,
      lambda: 1,
      alpha: 0,
      minChildWeight: 1,
      minDataInLeaf: 1,
      minSplitGain: 0,
      maxCatToOnehot: 4,
      catSmooth: 10,
      catL2: 10,
      maxCatThreshold: 32,
      minDataPerGroup: 10,
      catPenalty: 1,
    },
    nEstimators: 30,
    subsample: 1,
    colsampleBytree: 1,
    seed: 0,
    nThreads,
    minCellsPerThread: 1,
    evalMetric: "logloss",
  });
  const used = process.cpuUsage(cpu);
  return {
    wall: performance.now() - started,
    cpu: (used.user + used.system) / 1000,
    ...result.timers,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const phases = ["gradients", "histograms", "splits", "partition", "update scores"];
console.log(
  `| rows × features | load | ${phases.map((p) => `${p} 1t / 2t ms`).join(" | ")} | fit 1t / 2t ms |`,
);
console.log(`|---|---|${phases.map(() => "---|").join("")}---|`);
for (const nFeatures of featuresText.split(",").map(Number)) {
  for (const nRows of rowsText.split(",").map(Number)) {
    const runs = { 1: [], 2: [] };
    const loadBefore = loadavg()[0];
    for (let r = 0; r < repeats; r++) {
      for (const t of [1, 2]) {
        runs[t].push(trainOnce(nRows, nFeatures, t));
        // Let the ended fit's helper threads exit and its kernel memory go before the next fit.
        await new Promise((done) => setTimeout(done, 50));
      }
    }
    const cell = (key) =>
      `${median(runs[1].map((x) => x[key] ?? 0)).toFixed(0)} / ${median(runs[2].map((x) => x[key] ?? 0)).toFixed(0)}`;
    console.log(
      `| ${nRows} × ${nFeatures} | ${loadBefore.toFixed(1)}–${loadavg()[0].toFixed(1)} | ${phases.map(cell).join(" | ")} | ${cell("wall")} |`,
    );
  }
}
