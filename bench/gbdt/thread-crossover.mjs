// Where a second GBDT training thread starts to pay, per phase.
// First table: fits the same binned data with 1 and 2 threads (threads forced on at any size),
// alternating, and prints each phase's time (the booster's own timers) for both, with the load
// average. Data: `rows` × `features` numeric features of src/models/gbdt/synthetic-table.ts
// (5% missing, a binary label), 30 trees of depth 6.
// Second table (`--nodes`): one node's partition and one tree's score update, on the calling
// thread alone against shared with a helper thread, per node size, interleaved, medians of
// many calls (µs wall and µs CPU of the whole process): where MIN_SHARED_ROWS in
// src/models/gbdt/parallel-histograms.ts comes from.
// Usage: npm run build && node bench/gbdt/thread-crossover.mjs [repeats] [rows,rows,...]
//          [features,...] | --nodes [sizes,...]
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const load = async (path) => import(pathToFileURL(join(dist, path)).href);
const { boost } = await load("models/gbdt/booster.js");
const { binFeatures } = await load("models/gbdt/binning.js");
const { objectiveFor } = await load("models/gbdt/objectives.js");
const { createHistogramBuilder } = await load("models/gbdt/parallel-histograms.js");
const { gbdtTable, testGrowthRules } = await load("models/gbdt/synthetic-table.js");

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function trainOnce(nRows, nFeatures, nThreads) {
  const { columns, categoryCounts, y } = gbdtTable(nRows, { nFeatures, seed: nRows + nFeatures });
  const data = binFeatures(columns, categoryCounts, 256, 0, 1);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = boost({
    data,
    y,
    weight: new Float64Array(nRows).fill(1),
    objective: objectiveFor("binary", { nClasses: 2, huberDelta: 1 }),
    rules: testGrowthRules(6, { learningRate: 0.1 }),
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

async function phases(repeats, rowsText, featuresText) {
  const phaseNames = ["gradients", "histograms", "splits", "partition", "update scores"];
  console.log(
    `| rows × features | load | ${phaseNames.map((p) => `${p} 1t / 2t ms`).join(" | ")} | fit 1t / 2t ms |`,
  );
  console.log(`|---|---|${phaseNames.map(() => "---|").join("")}---|`);
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
        `| ${nRows} × ${nFeatures} | ${loadBefore.toFixed(1)}–${loadavg()[0].toFixed(1)} | ${phaseNames.map(cell).join(" | ")} | ${cell("wall")} |`,
      );
    }
  }
}

/** Per node size: µs (wall, CPU) of a partition and of a 64-leaf score update, alone vs shared. */
async function nodes(sizesText) {
  const sizes = sizesText.split(",").map(Number);
  const nRows = 2 * Math.max(...sizes);
  const { columns, categoryCounts } = gbdtTable(nRows, { nFeatures: 2, seed: 5 });
  const data = binFeatures(columns, categoryCounts, 256, 0, 1);
  const goLeft = data.memory.uint8(256);
  for (let b = 0; b < 256; b++) goLeft[b] = b % 3 === 0 ? 1 : 0;
  const column = data.columnBins.subarray(0, nRows);
  const rows = data.memory.uint32(nRows);
  const scratch = data.memory.uint32(nRows);
  const score = data.memory.float64(nRows);
  const alone = createHistogramBuilder(data, 1);
  const shared = createHistogramBuilder(data, 2, { minCellsPerThread: 1, minSharedRows: 1 });
  // Every other row, as in a node one level down.
  const fill = (n) => {
    for (let i = 0; i < n; i++) rows[i] = 2 * i;
  };
  console.log(
    "| node rows | load | partition alone / shared µs | CPU µs | score update alone / shared µs | CPU µs |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const n of sizes) {
    const leaves = Array.from({ length: 64 }, (_, l) => ({
      end: Math.round(((l + 1) * n) / 64),
      value: 0.001 * l,
    }));
    const times = { alone: [[], [], [], []], shared: [[], [], [], []] };
    const loadBefore = loadavg()[0];
    const reps = Math.max(20, Math.round(4e6 / n));
    for (let r = 0; r < reps; r++) {
      for (const [name, builder] of r % 2 === 0
        ? [
            ["alone", alone],
            ["shared", shared],
          ]
        : [
            ["shared", shared],
            ["alone", alone],
          ]) {
        fill(n);
        let cpu = process.cpuUsage();
        let t0 = performance.now();
        builder.partition(rows, 0, n, column, goLeft, scratch);
        times[name][0].push(1000 * (performance.now() - t0));
        let used = process.cpuUsage(cpu);
        times[name][1].push(used.user + used.system);
        cpu = process.cpuUsage();
        t0 = performance.now();
        builder.addLeaves(rows, n, leaves, score, 0);
        times[name][2].push(1000 * (performance.now() - t0));
        used = process.cpuUsage(cpu);
        times[name][3].push(used.user + used.system);
      }
    }
    const pair = (k) =>
      `${median(times.alone[k]).toFixed(0)} / ${median(times.shared[k]).toFixed(0)}`;
    console.log(
      `| ${n} | ${loadBefore.toFixed(1)}–${loadavg()[0].toFixed(1)} | ${pair(0)} | ${pair(1)} | ${pair(2)} | ${pair(3)} |`,
    );
  }
  alone.close();
  shared.close();
}

const args = process.argv.slice(2);
if (args[0] === "--nodes") await nodes(args[1] ?? "4096,8192,16384,32768,65536,131072,262144");
else {
  const [repeats = "3", rows = "25000,50000,100000,200000,400000", features = "4,8"] = args;
  await phases(Number(repeats), rows, features);
}
