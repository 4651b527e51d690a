#!/usr/bin/env node
// bench/tune/seed-sets.mjs: how much keel's own result moves between sets of seeds. Runs keel's
// default TPE on one problem for two disjoint seed ranges and compares them as run.mjs compares
// keel with Optuna (quantiles, Mann–Whitney, bootstrap interval). Needs `npm run build`.
//
//   node bench/tune/seed-sets.mjs branin 80 0:150 150:300
import { join } from "node:path";
import { PROBLEMS } from "./problems.mjs";
import { bootstrapMedianDiff, mannWhitney } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler } = await import(join(root, "dist", "tune", "index.js"));
const [problem, trials, ...ranges] = process.argv.slice(2);
const nTrials = Number(trials);

async function bests(range) {
  const [from, to] = range.split(":").map(Number);
  const out = [];
  for (let seed = from; seed < to; seed++) {
    const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed }) });
    await study.optimize(PROBLEMS[problem].objective, { nTrials });
    out.push(study.bestValue);
  }
  return out;
}

const quantiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [0.1, 0.25, 0.5, 0.75, 0.9].map((p) => s[Math.floor(p * (s.length - 1))].toPrecision(4));
};
const [a, b] = [await bests(ranges[0]), await bests(ranges[1])];
console.log(`${problem}, ${nTrials} trials; quantiles 10/25/50/75/90%`);
console.log(`  seeds ${ranges[0]}: ${quantiles(a).join(" ")}`);
console.log(`  seeds ${ranges[1]}: ${quantiles(b).join(" ")}`);
const { pBetter, p } = mannWhitney(a, b);
const [lo, hi] = bootstrapMedianDiff(a, b);
console.log(
  `  first better: ${pBetter.toFixed(3)}, Mann–Whitney p ${p.toFixed(4)}, 95% CI of median difference [${lo.toPrecision(3)}, ${hi.toPrecision(3)}]`,
);
