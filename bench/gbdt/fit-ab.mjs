// Interleaved A/B of keel's GBDT fit in one process, for measuring a training change on a
// loaded machine: reads a CSV once (as `keel train` does: keel's reader, the same feature
// columns), bins it once per fit, and fits it under several thread settings in turn, `rounds`
// times; prints per setting the median wall and CPU time (process.cpuUsage: every thread) of
// the fit, the calling thread's CPU time (the critical path: about the fit's wall time on a
// quiet machine), and each phase's wall time (the booster's timers), with the spread over rounds.
// Settings: "1t" one thread; "2t" two threads as keel runs them; "2t-serial" two threads with
// the partition and score update kept on the calling thread (before issue 18's third pass).
// Usage: npm run build && node bench/gbdt/fit-ab.mjs [CSV | synthetic:ROWSxFEATURES] [target]
//          [rounds] [nEstimators] [settings, comma-separated]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const load = async (path, from = dist) => import(pathToFileURL(join(from, path)).href);
// KEEL_DIST_BASE: another build (e.g. the commit before a change) whose fit runs as the
// settings "base:1t" and "base:2t", in the same process, interleaved with this build's.
const baseDist = process.env.KEEL_DIST_BASE;
const { readFrame } = await load("data/index.js");
const { boost } = await load("models/gbdt/booster.js");
const { binFeatures } = await load("models/gbdt/binning.js");
const { objectiveFor } = await load("models/gbdt/objectives.js");
const { featureSpecsOf, featureValues } = await load("models/gbdt/feature-input.js");
const { gbdtTable, testGrowthRules } = await load("models/gbdt/synthetic-table.js");
const { encodeClassTarget } = await load("models/target.js");
const engines = { "": { boost, binFeatures } };
if (baseDist !== undefined) {
  engines["base:"] = {
    boost: (await load("models/gbdt/booster.js", baseDist)).boost,
    binFeatures: (await load("models/gbdt/binning.js", baseDist)).binFeatures,
  };
}

const [
  file = join(here, "..", ".data", "mixed-204k.csv"),
  target = "label",
  roundsText = "5",
  nEstimators = "200",
  settingsText = "2t-serial,2t",
] = process.argv.slice(2);
const settings = {
  "1t": { nThreads: 1 },
  "2t": { nThreads: 2 },
  "2t-serial": { nThreads: 2, minSharedRows: Number.POSITIVE_INFINITY },
  // Partitions and score updates shared from 16k, 32k or 128k rows (the default: 64k).
  "2t-16k": { nThreads: 2, minSharedRows: 16_384 },
  "2t-32k": { nThreads: 2, minSharedRows: 32_768 },
  "2t-128k": { nThreads: 2, minSharedRows: 131_072 },
};
const chosen = settingsText.split(",");

/** The table: a CSV file, or `synthetic:ROWSxFEATURES` (synthetic-table.ts, binary, 5% NaN). */
async function loadTable() {
  const synthetic = /^synthetic:(\d+)x(\d+)$/.exec(file);
  if (synthetic) {
    const { columns, categoryCounts, y } = gbdtTable(Number(synthetic[1]), {
      nFeatures: Number(synthetic[2]),
      seed: 7,
    });
    return { classes: ["0", "1"], y, values: columns, categoryCounts };
  }
  const frame = await readFrame(file);
  const x = frame.drop([target]);
  const { classes, y } = encodeClassTarget(frame.get(target));
  const specs = featureSpecsOf(x);
  return {
    classes,
    y,
    values: featureValues(x, specs, "fit-ab"),
    categoryCounts: specs.map((s) => s.categories?.length ?? 0),
  };
}
const { classes, y, values, categoryCounts } = await loadTable();
const binary = classes.length === 2;

/**
 * CPU ms of this (the calling) thread so far, from /proc (10 ms ticks): the fit's critical path,
 * which on a quiet machine is about its wall time when helpers keep up.
 */
function threadCpu() {
  const fields = readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat; 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function fitOnce(name) {
  const base = name.startsWith("base:");
  const setting = base ? name.slice(5) : name;
  const engine = engines[base ? "base:" : ""];
  const data = engine.binFeatures(values, categoryCounts, 256, 0, binary ? 1 : classes.length);
  const cpu = process.cpuUsage();
  const mainCpu = threadCpu();
  const started = performance.now();
  const result = engine.boost({
    data,
    y,
    weight: new Float64Array(y.length).fill(1),
    objective: objectiveFor(binary ? "binary" : "softmax", {
      nClasses: classes.length,
      huberDelta: 1,
    }),
    rules: testGrowthRules(6, { learningRate: 0.1 }),
    nEstimators: Number(nEstimators),
    subsample: 1,
    colsampleBytree: 1,
    seed: 0,
    evalMetric: binary ? "logloss" : "mlogloss",
    ...settings[setting],
  });
  const used = process.cpuUsage(cpu);
  const e = result.ensemble;
  const digest = createHash("sha256");
  for (const part of [e.value, e.threshold, e.feature, e.catBits, result.trainingScores])
    digest.update(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  models.add(digest.digest("hex").slice(0, 12));
  return {
    fit: performance.now() - started,
    cpu: (used.user + used.system) / 1000,
    "main cpu": threadCpu() - mainCpu,
    ...result.timers,
  };
}

/** Digests of every trained model (trees and training scores): one when all settings agree. */
const models = new Set();
const runs = Object.fromEntries(chosen.map((s) => [s, []]));
const loadBefore = loadavg()[0];
for (let r = 0; r < Number(roundsText); r++) {
  // The order flips every round, so neither setting always runs first.
  const order = r % 2 === 0 ? chosen : [...chosen].reverse();
  for (const setting of order) {
    runs[setting].push(fitOnce(setting));
    // Let the ended fit's helper threads exit before the next fit.
    await new Promise((done) => setTimeout(done, 100));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const keys = [
  "fit",
  "cpu",
  "main cpu",
  "gradients",
  "histograms",
  "subtract",
  "splits",
  "partition",
  "update scores",
];
console.log(
  `${file.split("/").pop()}, ${nEstimators} trees, ${roundsText} rounds, load ${loadBefore.toFixed(1)}–${loadavg()[0].toFixed(1)}; ms, median (min–max)`,
);
console.log(`| setting | ${keys.join(" | ")} |`);
console.log(`|---|${keys.map(() => "---|").join("")}`);
for (const setting of chosen) {
  const cell = (key) => {
    const xs = runs[setting].map((run) => run[key] ?? 0);
    return `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  };
  console.log(`| ${setting} | ${keys.map(cell).join(" | ")} |`);
}
console.log(
  models.size === 1
    ? `every fit gave the same model, bit for bit (${[...models][0]})`
    : `the fits gave ${models.size} different models: ${[...models].join(", ")}`,
);
