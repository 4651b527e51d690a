#!/usr/bin/env node
// bench/tune/startup-swap.mjs: does keel's TPE do worse because of its own random startup
// trials? Runs keel's default TpeSampler twice per seed: once as it is (its own 10 random
// startup trials) and once with Optuna 3.1's 10 startup trials for that seed enqueued
// (RandomState(seed) uniform draws, emulated exactly by optuna_startup.py --params). Only the
// startup differs; the TPE phase is keel's in both. Prints the median best after each budget
// and the Mann–Whitney p between the two. Needs `npm run build`.
//
//   node bench/tune/startup-swap.mjs branin 50,80 0:500
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PROBLEMS } from "./problems.mjs";
import { waitWhileQuiet } from "./quiet.mjs";
import { mannWhitney, median } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler } = await import(join(root, "dist", "tune", "index.js"));
const [problem, budgetList, range] = process.argv.slice(2);
const budgets = budgetList.split(",").map(Number);
const nTrials = Math.max(...budgets);
const [from, to] = range.split(":").map(Number);
const optunaStartup = JSON.parse(
  execFileSync(
    "/usr/bin/python3",
    [join(import.meta.dirname, "optuna_startup.py"), problem, range, "--params"],
    { maxBuffer: 1 << 28, cwd: import.meta.dirname },
  ),
);

/** Best after each budget of one keel study, optionally starting from enqueued trials. */
async function run(seed, startup) {
  const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed }) });
  for (const params of startup) await study.enqueueTrial(params);
  await study.optimize(PROBLEMS[problem].objective, { nTrials });
  const values = study.trials.map((t) => t.value);
  return budgets.map((b) => Math.min(...values.slice(0, b)));
}

const own = [];
const swapped = [];
for (let seed = from; seed < to; seed++) {
  await waitWhileQuiet();
  own.push(await run(seed, []));
  swapped.push(await run(seed, optunaStartup[seed]));
}
console.log(`${problem}, keel TPE, seeds ${from}..${to - 1}: own startup vs Optuna's startup`);
budgets.forEach((b, i) => {
  const a = own.map((r) => r[i]);
  const c = swapped.map((r) => r[i]);
  const { p, pBetter } = mannWhitney(a, c);
  console.log(
    `  best after ${b}: own ${median(a).toPrecision(5)}, Optuna's startup ${median(c).toPrecision(5)}, P(own better) ${pBetter.toFixed(3)}, Mann–Whitney p ${p.toFixed(3)}`,
  );
});
