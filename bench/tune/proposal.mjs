#!/usr/bin/env node
// bench/tune/proposal.mjs: does keel's default TPE propose the same next point as Optuna's after
// the same history? Builds a fixed history of N random Branin trials, asks each sampler for the
// next trial with seeds 0 .. S-1, and compares the two samples of proposals (two-sample KS per
// parameter and on the objective value there, plus quantiles). Needs `npm run build`.
//
//   node bench/tune/proposal.mjs 40 3000
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ksTwoSample } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler } = await import(join(root, "dist", "tune", "index.js"));
const { Rng } = await import(join(root, "dist", "core", "index.js"));
const [nHistory, nSeeds] = process.argv.slice(2).map(Number);

const branin = (x, y) =>
  (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 +
  10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) +
  10;
const rng = new Rng(2024);
const history = Array.from({ length: nHistory }, () => {
  const [x0, x1] = [rng.uniform(-5, 10), rng.uniform(0, 15)];
  return { x0, x1, v: branin(x0, x1) };
});

const keel = [];
for (let seed = 0; seed < nSeeds; seed++) {
  const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed }) });
  for (const h of history) {
    await study.enqueueTrial({ x0: h.x0, x1: h.x1 });
    const trial = await study.ask();
    trial.suggestFloat("x0", -5, 10);
    trial.suggestFloat("x1", 0, 15);
    await study.tell(trial, h.v);
  }
  const trial = await study.ask();
  keel.push([trial.suggestFloat("x0", -5, 10), trial.suggestFloat("x1", 0, 15)]);
}

const file = join(mkdtempSync(join(tmpdir(), "keel-proposal-")), "history.json");
writeFileSync(file, JSON.stringify(history));
const script = join(import.meta.dirname, "optuna_proposal.py");
const optuna = JSON.parse(
  execFileSync("/usr/bin/python3", [script, file, String(nSeeds)], { maxBuffer: 1 << 28 }),
);

const quantiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => s[Math.floor(p * (s.length - 1))].toFixed(3));
};
console.log(
  `Branin, proposal after ${nHistory} random trials, ${nSeeds} seeds each; quantiles 5/25/50/75/95%`,
);
const columns = [
  ["x0", (p) => p[0]],
  ["x1", (p) => p[1]],
  ["f(x)", (p) => branin(p[0], p[1])],
];
for (const [name, get] of columns) {
  const [a, b] = [keel.map(get), optuna.map(get)];
  const { d, p } = ksTwoSample(a, b);
  console.log(
    `  ${name}: keel ${quantiles(a).join(" ")} | Optuna ${quantiles(b).join(" ")} | KS D ${d.toFixed(4)}, p ${p.toFixed(4)}`,
  );
}
