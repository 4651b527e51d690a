#!/usr/bin/env node
// bench/tune/startup-luck.mjs: how lucky were a seed range's random startup trials? TPE's first
// 10 trials are uniform random on both sides, so the best of them has one distribution; this
// prints, per seed range, the median best of the 10 startup trials on Styblinski–Tang 5-D for
// keel's TpeSampler (its startup equals RandomSampler with the same seed) and for Optuna 3.1's
// TPESampler (emulated exactly by optuna_startup.py), beside the long-run median over 0:10000.
// Needs `npm run build`.
//
//   node bench/tune/startup-luck.mjs 0:200 200:400
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PROBLEMS } from "./problems.mjs";
import { median } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, RandomSampler } = await import(join(root, "dist", "tune", "index.js"));
const ranges = [...process.argv.slice(2), "0:10000"];

async function keelBests(range) {
  const [from, to] = range.split(":").map(Number);
  const out = [];
  for (let seed = from; seed < to; seed++) {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed }),
    });
    await study.optimize(PROBLEMS.styblinskiTang5.objective, { nTrials: 10 });
    out.push(study.bestValue);
  }
  return out;
}

const optuna = JSON.parse(
  execFileSync("/usr/bin/python3", [join(import.meta.dirname, "optuna_startup.py"), ...ranges], {
    maxBuffer: 1 << 26,
  }),
);
console.log("Styblinski–Tang 5-D, median best of the 10 random startup trials");
for (const range of ranges) {
  const keel = median(await keelBests(range));
  console.log(
    `  seeds ${range}: keel ${keel.toFixed(2)}, Optuna ${median(optuna[range]).toFixed(2)}`,
  );
}
