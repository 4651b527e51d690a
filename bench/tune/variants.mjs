#!/usr/bin/env node
// bench/tune/variants.mjs: the study behind keel's TpeSampler defaults. Runs keel's TPE with
// several option sets (and optionally Optuna's default TPE) on the bench/tune problems and
// prints the median best value per variant. Needs `npm run build`.
//
//   node bench/tune/variants.mjs PROBLEMS TRIALS SEEDS [VARIANTS_JSON] [--optuna]
//   node bench/tune/variants.mjs mixed6,branin 50 50 '{"neighbor":{"bandwidth":"neighbor","normalizeKernels":true,"group":false}}' --optuna
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROBLEMS } from "./problems.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler } = await import(join(root, "dist", "tune", "index.js"));
const args = process.argv.slice(2).filter((a) => a !== "--optuna");
const withOptuna = process.argv.includes("--optuna");
const [problems, nTrials, nSeeds] = [args[0].split(","), Number(args[1]), Number(args[2])];
const variants = JSON.parse(args[3] ?? '{"default":{}}');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cell = (name, bests) => `${name}=${median(bests).toPrecision(4)}`;
for (const problem of problems) {
  const line = [problem];
  for (const [name, options] of Object.entries(variants)) {
    const bests = [];
    for (let seed = 0; seed < nSeeds; seed++) {
      const sampler = new TpeSampler({ seed, ...options });
      const study = await createStudy({ direction: "minimize", sampler });
      await study.optimize(PROBLEMS[problem].objective, { nTrials });
      bests.push(study.bestValue);
    }
    line.push(cell(name, bests));
  }
  if (withOptuna) {
    const seeds = Array.from({ length: nSeeds }, (_, i) => String(i));
    const script = join(import.meta.dirname, "optuna_runner.py");
    const result = spawnSync("/usr/bin/python3", [script, problem, String(nTrials), ...seeds], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    if (result.status !== 0) throw new Error(`optuna_runner.py failed: ${result.stderr}`);
    line.push(
      cell(
        "optuna",
        JSON.parse(result.stdout).runs.map((r) => r.best),
      ),
    );
  }
  console.log(line.join("  "));
}
