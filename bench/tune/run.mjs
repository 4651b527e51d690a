#!/usr/bin/env node
// bench/tune: keel's TpeSampler against Optuna's TPESampler (Debian python3-optuna), both with
// their defaults, in the same run on the same objectives and budgets. Needs `npm run build`.
//
//   node bench/tune/run.mjs [--seeds 50] [--trials 50] [--telco-seeds 5] [--telco-trials 30]
//
// Analytic problems: each sampler runs its own study per seed; we report the median over seeds
// of the best value, and the time spent inside the sampler per trial (objective excluded).
// Telco: the objective is keel's GBDT, 5-fold CV ROC AUC, evaluated by keel for BOTH samplers
// (Optuna drives it by ask/tell over a pipe), so only the sampler differs.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { PROBLEMS } from "./problems.mjs";

const here = import.meta.dirname;
const root = join(here, "..", "..");
const dist = (m) => join(root, "dist", m, "index.js");
const { createStudy, TpeSampler, defaultSearchSpace } = await import(dist("tune"));

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "50" },
    trials: { type: "string", default: "50" },
    "telco-seeds": { type: "string", default: "5" },
    "telco-trials": { type: "string", default: "30" },
  },
});
const nSeeds = Number(values.seeds);
const nTrials = Number(values.trials);
const telcoSeeds = Number(values["telco-seeds"]);
const telcoTrials = Number(values["telco-trials"]);
const PY = "/usr/bin/python3";
/** What keel's defaults are, for the table's note (keep in step with TpeSampler). */
const DEFAULTS_NOTE =
  "multivariate with Scott bandwidths, group-decomposed search space, Optuna 3.1's kernel density, constant liar: Optuna's `TPESampler(multivariate=True, group=True)`";
const loadAtStart = loadavg()[0];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Wraps a sampler and adds up the wall time spent in its methods. */
function timed(sampler) {
  const clock = { ms: 0 };
  const wrap =
    (name) =>
    (...args) => {
      const start = performance.now();
      try {
        return sampler[name](...args);
      } finally {
        clock.ms += performance.now() - start;
      }
    };
  return {
    clock,
    sampler: {
      inferRelativeSearchSpace: wrap("inferRelativeSearchSpace"),
      sampleRelative: wrap("sampleRelative"),
      sampleIndependent: wrap("sampleIndependent"),
      beforeTrial: sampler.beforeTrial ? wrap("beforeTrial") : undefined,
      afterTrial: wrap("afterTrial"),
    },
  };
}

async function keelAnalytic(problem) {
  const runs = [];
  for (let seed = 0; seed < nSeeds; seed++) {
    const { sampler, clock } = timed(new TpeSampler({ seed }));
    const study = await createStudy({ direction: "minimize", sampler });
    await study.optimize(PROBLEMS[problem].objective, { nTrials });
    runs.push({ seed, best: study.bestValue, samplerMsPerTrial: clock.ms / nTrials });
  }
  return runs;
}

function optunaAnalytic(problem) {
  const seeds = Array.from({ length: nSeeds }, (_, i) => String(i));
  const result = spawnSync(
    PY,
    [join(here, "optuna_runner.py"), problem, String(nTrials), ...seeds],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  if (result.status !== 0) throw new Error(`optuna_runner.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The Telco objective: keel's GBDT, 5-fold stratified CV ROC AUC (folds fixed by seed 0). */
async function telcoObjective() {
  const { readFrame } = await import(dist("data"));
  const { crossValidate } = await import(dist("evaluate"));
  const { GbdtClassifier, gbdtParams } = await import(dist("models"));
  const frame = await readFrame(join(root, "data", "telco_churn.csv"));
  // The declared search space, minus the number of rounds (fixed at 100 to bound the run time
  // on a shared machine) and numLeaves (unused by the default depth-wise growth).
  const space = { ...defaultSearchSpace(gbdtParams) };
  delete space.nEstimators;
  delete space.numLeaves;
  const evaluate = async (params) => {
    const model = new GbdtClassifier({
      ...params,
      nEstimators: 100,
      positiveClass: "Yes",
      seed: 0,
    });
    const result = await crossValidate(model, frame, {
      target: "churn",
      cv: 5,
      metrics: ["rocAuc"],
      positive: "Yes",
      seed: 0,
    });
    return result.mean.rocAuc;
  };
  return { space, evaluate };
}

async function keelTelco({ space, evaluate }) {
  const runs = [];
  for (let seed = 0; seed < telcoSeeds; seed++) {
    const { sampler, clock } = timed(new TpeSampler({ seed }));
    const study = await createStudy({ direction: "maximize", sampler });
    await study.optimize(
      async (trial) => {
        const params = {};
        for (const [name, d] of Object.entries(space)) {
          params[name] =
            d.kind === "int"
              ? trial.suggestInt(name, d.low, d.high, { log: d.log, step: d.step })
              : trial.suggestFloat(name, d.low, d.high, { log: d.log });
        }
        return evaluate(params);
      },
      { nTrials: telcoTrials },
    );
    runs.push({ seed, best: study.bestValue, samplerMsPerTrial: clock.ms / telcoTrials });
    console.error(`  keel telco seed ${seed}: ${study.bestValue.toFixed(5)}`);
  }
  return runs;
}

async function optunaTelco({ space, evaluate }) {
  const runs = [];
  for (let seed = 0; seed < telcoSeeds; seed++) {
    const child = spawn(
      PY,
      [join(here, "optuna_asktell.py"), String(seed), String(telcoTrials), JSON.stringify(space)],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const lines = createInterface({ input: child.stdout });
    let final;
    for await (const line of lines) {
      const message = JSON.parse(line);
      if (message.done) {
        final = message;
        break;
      }
      child.stdin.write(`${await evaluate(message)}\n`);
    }
    child.stdin.end();
    runs.push({ seed, best: final.best, samplerMsPerTrial: final.samplerMsPerTrial });
    console.error(`  optuna telco seed ${seed}: ${final.best.toFixed(5)}`);
  }
  return runs;
}

const rows = [];
const raw = {};
const optunaVersion = spawnSync(PY, ["-c", "import optuna; print(optuna.__version__)"], {
  encoding: "utf8",
}).stdout.trim();
for (const problem of Object.keys(PROBLEMS)) {
  console.error(`${problem}: keel`);
  const keel = await keelAnalytic(problem);
  console.error(`${problem}: optuna`);
  const optuna = optunaAnalytic(problem).runs;
  raw[problem] = { keel, optuna };
  rows.push({
    problem,
    direction: "min",
    budget: `${nTrials} trials × ${nSeeds} seeds`,
    keel,
    optuna,
  });
}
if (telcoSeeds > 0) {
  console.error("telco: loading");
  const objective = await telcoObjective();
  console.error("telco: keel");
  const keel = await keelTelco(objective);
  console.error("telco: optuna");
  const optuna = await optunaTelco(objective);
  raw.telcoGbdtAuc = { keel, optuna };
  rows.push({
    problem: "telcoGbdtAuc",
    direction: "max",
    budget: `${telcoTrials} trials × ${telcoSeeds} seeds`,
    keel,
    optuna,
  });
}

const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(5));
const table = [
  "| problem | budget | keel median best | Optuna median best | keel better or equal? | seeds keel better / worse | keel sampler ms/trial | Optuna sampler ms/trial | overhead ratio keel/Optuna |",
  "|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const k = median(r.keel.map((x) => x.best));
    const o = median(r.optuna.map((x) => x.best));
    const ok = r.direction === "min" ? k <= o : k >= o;
    const km = mean(r.keel.map((x) => x.samplerMsPerTrial));
    const om = mean(r.optuna.map((x) => x.samplerMsPerTrial));
    // Same seed number on both sides: a paired count of which sampler ended better.
    const sign = r.direction === "min" ? 1 : -1;
    let better = 0;
    let worse = 0;
    r.keel.forEach((x, i) => {
      const d = sign * (x.best - r.optuna[i].best);
      if (d < 0) better++;
      else if (d > 0) worse++;
    });
    return `| ${r.problem} (${r.direction}) | ${r.budget} | ${fmt(k)} | ${fmt(o)} | ${ok ? "yes" : "**no**"} | ${better} / ${worse} | ${km.toFixed(2)} | ${om.toFixed(2)} | ${(km / om).toFixed(2)} |`;
  }),
];
const note = [
  "",
  `keel TpeSampler (defaults: ${DEFAULTS_NOTE}) vs Optuna ${optunaVersion} TPESampler (defaults: univariate) under /usr/bin/python3, seeds 0..n-1 for both, run ${new Date().toISOString().slice(0, 16)}Z by \`node bench/tune/run.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}\`.`,
  "Analytic problems: Branin (2-D), Rosenbrock (4-D, [-5, 10]), Styblinski–Tang (5-D, [-5, 5]); mixed6: a 6-way categorical, two log-scale floats, an int and a float (GBDT-like); conditional: a 4-way categorical selecting which of 1–2 parameters exist (log floats, ints, a log int). All minimised; the value is the best objective found, median over seeds (bench/tune/problems.mjs and optuna_runner.py define the same functions).",
  ...(telcoSeeds > 0
    ? [
        "Telco: keel's GBDT (nEstimators fixed at 100; the other declared search hints: learningRate, maxDepth, minChildWeight, lambda, subsample, colsampleBytree), 5-fold CV ROC AUC computed by keel for both samplers (Optuna by ask/tell), maximised.",
      ]
    : []),
  "How the default was chosen (same budget, seeds 0..49, keel variants against Optuna's default): multivariate with per-dimension neighbour bandwidths (keel's previous default) won Rosenbrock and Styblinski–Tang but lost mixed6 badly (its peaked numeric kernels make l(x)/g(x) nearly blind to the categorical dimension, so the search sticks to a wrong category), Branin and conditional; leaving categoricals to a univariate estimator fixed mixed6 but not Branin; Optuna-style Scott bandwidths with group decomposition won four of five and lost Styblinski–Tang narrowly. The other variants remain options (`bandwidth`, `normalizeKernels`, `jointParams`, `group`, `multivariate`); `node bench/tune/variants.mjs` reruns that comparison.",
  "Shortfall, stated plainly: Styblinski–Tang is lost at this budget; the paired seed counts show that on Rosenbrock, Styblinski–Tang and conditional the two samplers win about equally often (conditional's median favours keel although Optuna ended better on more seeds), so only mixed6 and Branin are clear wins here. The ranking depends on the budget: an exploratory run of the same options at 80 trials × 50 seeds (variants.mjs, load ≈ 17) lost Branin (0.478 vs 0.427) and Rosenbrock (89.1 vs 62.9) and won mixed6 (0.060 vs 0.089) and Styblinski–Tang (−166.0 vs −162.8, Optuna from its own run), so the goal \u201cat least Optuna on every problem\u201d is not met in general.",
  ...(telcoSeeds === 0
    ? [
        "The Telco GBDT row was not run this time (`--telco-seeds 0`: 300 cross-validations did not fit the shared machine's time budget); run `node bench/tune/run.mjs` to include it.",
      ]
    : telcoSeeds < 5
      ? [
          `The Telco row used ${telcoSeeds} seeds instead of the issue's 5 (--telco-seeds), so its medians are noisy.`,
        ]
      : []),
  `Sampler time is wall time inside the sampler's methods per trial (objective excluded), measured on a ${cpus().length}-core machine with 1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end; both sides ran under the same load.`,
];
const section = [...table, ...note].join("\n");

const readmePath = join(root, "bench", "README.md");
let readme = "";
try {
  readme = readFileSync(readmePath, "utf8");
} catch {
  readme = "# Benchmarks\n";
}
const start = "<!-- bench:tune -->";
const end = "<!-- /bench:tune -->";
const block = `${start}\n${section}\n${end}`;
readme = readme.includes(start)
  ? readme.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
  : `${readme.trimEnd()}\n\n## Tuning: keel TPE vs Optuna TPE\n\n${block}\n`;
writeFileSync(readmePath, readme);
const out = join(root, "bench", ".data", "tune-results.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(raw, null, 1));
console.log(section);
