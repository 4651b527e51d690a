#!/usr/bin/env node
// bench/tune/startup-luck.mjs: how lucky were a seed range's random startup trials? TPE's first
// 10 trials are uniform random on both sides, so the best of them has one distribution; this
// prints, per seed range, the median best of the 10 startup trials on one problem for
// keel's TpeSampler (its startup equals RandomSampler with the same seed) and for Optuna 3.1's
// TPESampler (emulated exactly by optuna_startup.py), beside the long-run median over 0:10000.
// Needs `npm run build`.
//
//   node bench/tune/startup-luck.mjs [--problem styblinskiTang5|branin|rosenbrock4] 0:200 200:400
// Also prints the Mann–Whitney p of each range against the other side's long run (0:10000).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROBLEMS } from "./problems.mjs";
import { mannWhitney, median } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, RandomSampler } = await import(join(root, "dist", "tune", "index.js"));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { problem: { type: "string", default: "styblinskiTang5" } },
});
const problem = values.problem;
const ranges = [...positionals, "0:10000"];

async function keelBests(range) {
  const [from, to] = range.split(":").map(Number);
  const out = [];
  for (let seed = from; seed < to; seed++) {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed }),
    });
    await study.optimize(PROBLEMS[problem].objective, { nTrials: 10 });
    out.push(study.bestValue);
  }
  return out;
}

const optuna = JSON.parse(
  execFileSync(
    "/usr/bin/python3",
    [join(import.meta.dirname, "optuna_startup.py"), problem, ...ranges],
    { maxBuffer: 1 << 26, cwd: import.meta.dirname },
  ),
);
console.log(`${problem}, median best of the 10 random startup trials`);
const keelLong = await keelBests("0:10000");
const optunaLong = optuna["0:10000"];
for (const range of ranges) {
  const keel = range === "0:10000" ? keelLong : await keelBests(range);
  const o = optuna[range];
  console.log(
    `  seeds ${range}: keel ${median(keel).toFixed(4)} (p ${mannWhitney(keel, optunaLong).p.toFixed(3)} against Optuna 0:10000), Optuna ${median(o).toFixed(4)} (p ${mannWhitney(o, keelLong).p.toFixed(3)} against keel 0:10000)`,
  );
}
