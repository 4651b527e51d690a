// Interleaved A/B of keel's GBDT fit in one process, for measuring a training change on a
// loaded machine: reads a CSV once (as `keel train` does: keel's reader, the same feature
// columns), bins it once per fit, and fits it under several thread settings in turn, `rounds`
// times; prints per setting the median wall and CPU time (process.cpuUsage: every thread) of
// the fit and of each phase (the booster's timers), with the spread over rounds.
// Settings: "1t" one thread; "2t" two threads as keel runs them; "2t-serial" two threads with
// the partition and score update kept on the calling thread (before issue 18's third pass).
// Usage: npm run build && node bench/gbdt/fit-ab.mjs [CSV] [target] [rounds] [nEstimators]
//          [settings, comma-separated]
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const load = async (path) => import(pathToFileURL(join(dist, path)).href);
const { readFrame } = await load("data/index.js");
const { boost } = await load("models/gbdt/booster.js");
const { binFeatures } = await load("models/gbdt/binning.js");
const { objectiveFor } = await load("models/gbdt/objectives.js");
const { featureSpecsOf, featureValues } = await load("models/gbdt/feature-input.js");
const { testGrowthRules } = await load("models/gbdt/synthetic-table.js");
const { encodeClassTarget } = await load("models/target.js");

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
};
const chosen = settingsText.split(",");

const frame = await readFrame(file);
const x = frame.drop([target]);
const { classes, y } = encodeClassTarget(frame.get(target));
const specs = featureSpecsOf(x);
const values = featureValues(x, specs, "fit-ab");
const categoryCounts = specs.map((s) => s.categories?.length ?? 0);
const binary = classes.length === 2;

function fitOnce(setting) {
  const data = binFeatures(values, categoryCounts, 256, 0, binary ? 1 : classes.length);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = boost({
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
  return {
    fit: performance.now() - started,
    cpu: (used.user + used.system) / 1000,
    ...result.timers,
  };
}

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
