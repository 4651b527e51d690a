#!/usr/bin/env node
// bench/tune/optuna-startup-stream.mjs: does Optuna 3.1's TPE gain from drawing its TPE
// candidates from the same numbers as its startup trials? TPESampler(seed) seeds its own
// RandomState and its startup RandomSampler with the same seed, so from trial 11 on its
// candidate draws replay the uniforms the 10 startup trials were made of. This runs Optuna's
// TPESampler as it is and with the startup sampler on a stream of its own (seed 1,000,000 +
// seed, optuna_runner.py --own-startup-stream) on the same seeds and compares the best after
// each budget (Mann–Whitney). Optuna runs with --fast (bench/tune/run.mjs --optuna-fast).
//
//   node bench/tune/optuna-startup-stream.mjs branin 50,80 0:100 1000:1100
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { mannWhitney, median } from "./stats.mjs";

const [problem, budgetList, ...ranges] = process.argv.slice(2);
const budgets = budgetList.split(",").map(Number);
const seeds = ranges.flatMap((r) => {
  const [from, to] = r.split(":").map(Number);
  return Array.from({ length: to - from }, (_, i) => String(from + i));
});

/** Best after each budget per seed, from two optuna_runner.py processes (odd and even seeds). */
async function runs(extra) {
  const halves = [0, 1].map((h) => seeds.filter((_, i) => i % 2 === h));
  const out = await Promise.all(
    halves.map(
      (half) =>
        new Promise((resolve, reject) => {
          const child = spawn(
            "/usr/bin/python3",
            [
              join(import.meta.dirname, "optuna_runner.py"),
              problem,
              budgetList,
              ...half,
              "--stream",
              "--fast",
              ...extra,
            ],
            { stdio: ["ignore", "pipe", "inherit"] },
          );
          const got = [];
          createInterface({ input: child.stdout }).on("line", (l) => got.push(JSON.parse(l).run));
          child.on("close", (code) => (code === 0 ? resolve(got) : reject(new Error(`${code}`))));
        }),
    ),
  );
  return out.flat();
}

const shared = await runs([]);
const separate = await runs(["--own-startup-stream"]);
console.log(`${problem}, Optuna 3.1 TPESampler, ${seeds.length} seeds (${ranges.join(" + ")})`);
for (const b of budgets) {
  const a = shared.map((r) => r.bestAt[b]);
  const c = separate.map((r) => r.bestAt[b]);
  const { p, pBetter } = mannWhitney(a, c);
  console.log(
    `  best after ${b}: as shipped (startup and TPE on one seed) ${median(a).toPrecision(5)}, startup on its own stream ${median(c).toPrecision(5)}, P(as shipped better) ${pBetter.toFixed(3)}, Mann–Whitney p ${p.toFixed(3)}`,
  );
}
