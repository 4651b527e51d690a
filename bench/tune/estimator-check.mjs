#!/usr/bin/env node
// bench/tune/estimator-check.mjs: one TPE step on one parameter, keel against Optuna 3.1, with
// the power of many repeats. Runs keel's default TPE on PROBLEM with seed H for N trials, splits
// the history as TPE does (best gamma(N) below, chronological order), builds l(x) and g(x) for
// parameter P on both sides, and compares: the densities at the same points, D draws from l(x),
// and R proposals (the best of 24 candidates by l/g). Needs `npm run build`.
//
//   node bench/tune/estimator-check.mjs styblinskiTang5 30 3 x0 200000 20000
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROBLEMS } from "./problems.mjs";
import { ksTwoSample } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler, defaultGamma, defaultWeights } = await import(
  join(root, "dist", "tune", "index.js")
);
const { ParzenEstimator } = await import(
  join(root, "dist", "tune", "samplers", "tpe", "parzen-estimator.js")
);
const { Rng } = await import(join(root, "dist", "core", "index.js"));
const [problem, n, h, param, d, r] = process.argv.slice(2);
const [nHistory, nDraws, nProposals] = [Number(n), Number(d), Number(r)];

const source = await createStudy({
  direction: "minimize",
  sampler: new TpeSampler({ seed: Number(h) }),
});
await source.optimize(PROBLEMS[problem].objective, { nTrials: nHistory });
const trials = source.trials;
const dist = trials[0].distributions[param];
const order = trials.map((t, i) => ({ v: t.value, i })).sort((a, b) => a.v - b.v || a.i - b.i);
const belowIdx = new Set(order.slice(0, defaultGamma(nHistory)).map((o) => o.i));
const below = trials.filter((_, i) => belowIdx.has(i)).map((t) => t.params[param]);
const above = trials.filter((_, i) => !belowIdx.has(i)).map((t) => t.params[param]);

const options = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
  multivariate: false,
  bandwidth: "scott",
  normalizeKernels: false,
  weights: defaultWeights,
};
const space = { x: dist };
const l = new ParzenEstimator({ x: Float64Array.from(below) }, space, options);
const g = new ParzenEstimator({ x: Float64Array.from(above) }, space, options);
const rng = new Rng(1);
const draws = Array.from(l.sample(rng, nDraws).x);
const proposals = [];
for (let k = 0; k < nProposals; k++) {
  const c = l.sample(rng, 24);
  const ll = l.logPdf(c);
  const lg = g.logPdf(c);
  let best = 0;
  for (let i = 1; i < 24; i++) if (ll[i] - lg[i] > ll[best] - lg[best]) best = i;
  proposals.push(c.x[best]);
}

const file = join(mkdtempSync(join(tmpdir(), "keel-estimator-")), "input.json");
writeFileSync(
  file,
  JSON.stringify({ low: dist.low, high: dist.high, below, above, nDraws, nProposals }),
);
const optuna = JSON.parse(
  execFileSync("/usr/bin/python3", [join(import.meta.dirname, "optuna_estimator.py"), file], {
    maxBuffer: 1 << 30,
  }),
);

const at = { x: Float64Array.from(optuna.draws.slice(0, 1000)) };
const [kl, kg] = [l.logPdf(at), g.logPdf(at)];
let maxDiff = 0;
for (let i = 0; i < at.x.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(kl[i] - optuna.logL[i]), Math.abs(kg[i] - optuna.logG[i]));
}
const quantiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((p) =>
    s[Math.floor(p * (s.length - 1))].toFixed(3),
  );
};
const sd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)).toFixed(4);
};
console.log(
  `${problem} ${param} after ${nHistory} trials (seed ${h}): below ${below.map((v) => v.toFixed(3)).join(" ")}; ${above.length} above`,
);
console.log(
  `  log l, log g at 1,000 of Optuna's draws: largest |keel − Optuna| ${maxDiff.toExponential(2)}`,
);
for (const [name, a, b] of [
  ["l(x) draws", draws, optuna.draws],
  ["proposals", proposals, optuna.proposals],
]) {
  const { d: ks, p } = ksTwoSample(a, b);
  console.log(
    `  ${name}: keel ${quantiles(a).join(" ")} sd ${sd(a)} | Optuna ${quantiles(b).join(" ")} sd ${sd(b)} | KS D ${ks.toFixed(4)} p ${p.toFixed(4)}`,
  );
}
