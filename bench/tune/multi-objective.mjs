#!/usr/bin/env node
// bench/tune multi-objective: keel's NsgaIiSampler against Optuna 3.1's NSGAIISampler (both with
// their defaults: population 50) and against keel's RandomSampler, on ZDT1 (5 variables) and
// Binh–Korn, same trials and seeds for all. Reports the median hypervolume of the Pareto front
// found (both objectives minimised, computed here for every side). Needs `npm run build`.
// With --sampler tpe: keel's TpeSampler (MOTPE) against Optuna 3.1's TPESampler, both with
// their defaults, written to its own README section (bench:tune-motpe).
//
//   node bench/tune/multi-objective.mjs [--seeds 10] [--trials 500] [--sampler nsga2|tpe]
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mannWhitney } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, NsgaIiSampler, RandomSampler, TpeSampler } = await import(
  join(root, "dist", "tune", "index.js")
);
const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "10" },
    trials: { type: "string", default: "500" },
    sampler: { type: "string", default: "nsga2" },
  },
});
const tpe = values.sampler === "tpe";
if (!["nsga2", "tpe"].includes(values.sampler)) throw new Error("--sampler is nsga2 or tpe");
const label = tpe ? "TPE (MOTPE)" : "NSGA-II";
const nSeeds = Number(values.seeds);
const nTrials = Number(values.trials);
const loadAtStart = loadavg()[0];

/** The same functions as optuna_nsga2.py; `ref` is the hypervolume reference point. */
const PROBLEMS = {
  zdt1: {
    ref: [1.1, 1.1],
    objective(t) {
      const x = [0, 1, 2, 3, 4].map((i) => t.suggestFloat(`x${i}`, 0, 1));
      const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / 4;
      return [x[0], g * (1 - Math.sqrt(x[0] / g))];
    },
  },
  binhKorn: {
    ref: [140, 50],
    objective(t) {
      const x = t.suggestFloat("x", 0, 5);
      const y = t.suggestFloat("y", 0, 3);
      return [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2];
    },
  },
};

/** Area dominated by the points inside the box up to `ref` (both objectives minimised). */
function hypervolume(points, ref) {
  const inside = points.filter((p) => p[0] < ref[0] && p[1] < ref[1]).sort((a, b) => a[0] - b[0]);
  let area = 0;
  let bestY = ref[1];
  for (const [x, y] of inside) {
    if (y >= bestY) continue;
    area += (ref[0] - x) * (bestY - y);
    bestY = y;
  }
  return area;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const seeds = [...Array(nSeeds).keys()];
const rows = [];
for (const [name, problem] of Object.entries(PROBLEMS)) {
  const keel = [];
  const random = [];
  for (const seed of seeds) {
    for (const [out, sampler] of [
      [keel, tpe ? new TpeSampler({ seed }) : new NsgaIiSampler({ seed })],
      [random, new RandomSampler({ seed })],
    ]) {
      const study = await createStudy({ directions: ["minimize", "minimize"], sampler });
      await study.optimize(problem.objective, { nTrials });
      out.push(
        hypervolume(
          study.bestTrials.map((t) => t.values),
          problem.ref,
        ),
      );
    }
  }
  const py = spawnSync(
    "/usr/bin/python3",
    [
      join(import.meta.dirname, "optuna_nsga2.py"),
      name,
      String(nTrials),
      ...seeds.map(String),
      ...(tpe ? ["--tpe"] : []),
    ],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  if (py.status !== 0) throw new Error(py.stderr);
  const optuna = JSON.parse(py.stdout).runs.map((r) => hypervolume(r.front, problem.ref));
  const better = keel.filter((v, i) => v > optuna[i]).length;
  // Hypervolume is maximised; the test takes losses, so negate.
  const { p } = mannWhitney(
    keel.map((v) => -v),
    optuna.map((v) => -v),
  );
  rows.push(
    `| ${name} | ${nTrials} trials × ${nSeeds} seeds | ${median(keel).toFixed(4)} | ${median(optuna).toFixed(4)} | ${median(random).toFixed(4)} | ${(median(keel) / median(optuna)).toFixed(3)} | ${better} / ${nSeeds - better} |${tpe ? ` ${p.toFixed(3)} |` : ""}`,
  );
  console.log(rows.at(-1));
}
const section = [
  `| problem | budget | keel ${label} median hypervolume | Optuna ${label} median hypervolume | keel random median hypervolume | ratio keel/Optuna | seeds keel better / worse |${tpe ? " Mann–Whitney p |" : ""}`,
  `|---|---|---|---|---|---|---|${tpe ? "---|" : ""}`,
  ...rows,
  "",
  `${tpe ? "keel TpeSampler and Optuna 3.1.0 TPESampler on two objectives (MOTPE), both with defaults (10 startup trials, 24 EI candidates, gamma min(ceil(0.1·n), 25), good trials by non-domination rank and greedy hypervolume subset selection, weighted by hypervolume share)" : "keel NsgaIiSampler and Optuna 3.1.0 NSGAIISampler, both with defaults (population 50, uniform crossover 0.9, swapping 0.5, mutation 1/n)"}, and keel RandomSampler, seeds 0..${nSeeds - 1}, run ${new Date().toISOString().slice(0, 16)}Z by \`node bench/tune/multi-objective.mjs --seeds ${nSeeds} --trials ${nTrials}${tpe ? " --sampler tpe" : ""}\`. Hypervolume of the final Pareto front (both objectives minimised; reference points ZDT1 (1.1, 1.1), Binh–Korn (140, 50)), computed by this script for every side; higher is better. ZDT1 has 5 variables in [0, 1]; Binh–Korn is unconstrained here (x ∈ [0, 5], y ∈ [0, 3]). ${cpus().length}-core machine, 1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end.`,
].join("\n");
const readmePath = join(root, "bench", "README.md");
let readme = readFileSync(readmePath, "utf8");
const marker = tpe ? "bench:tune-motpe" : "bench:tune-multi";
const start = `<!-- ${marker} -->`;
const end = `<!-- /${marker} -->`;
const block = `${start}\n${section}\n${end}`;
readme = readme.includes(start)
  ? readme.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
  : readme.replace(
      "<!-- /bench:tune-multi -->\n",
      `<!-- /bench:tune-multi -->\n\n## Tuning: multi-objective, keel TPE (MOTPE) vs Optuna TPE\n\n${block}\n`,
    );
writeFileSync(readmePath, readme);
console.log(section);
