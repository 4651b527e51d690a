#!/usr/bin/env node
// bench/tune/proposal-history.mjs: one TPE step on a realistic history. Runs keel's default TPE
// on PROBLEM (plain float parameters only) with seed H for N trials, freezes that history, then
// asks keel's and Optuna's default TPE for trial N+1 with seeds 0 .. S-1 each and compares the
// proposals: quantiles, mean and variance per parameter, two-sample KS per parameter and on the
// objective at the proposal. Needs `npm run build`.
//
//   node bench/tune/proposal-history.mjs styblinskiTang5 30 3 2000
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROBLEMS } from "./problems.mjs";
import { ksTwoSample, mannWhitney } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler } = await import(join(root, "dist", "tune", "index.js"));
const [problem, n, h, s] = process.argv.slice(2);
const [nHistory, historySeed, nSeeds] = [Number(n), Number(h), Number(s)];
const objective = PROBLEMS[problem].objective;

const source = await createStudy({
  direction: "minimize",
  sampler: new TpeSampler({ seed: historySeed }),
});
await source.optimize(objective, { nTrials: nHistory });
const names = Object.keys(source.trials[0].distributions);
const space = Object.fromEntries(
  names.map((name) => {
    const d = source.trials[0].distributions[name];
    if (d.kind !== "float" || d.log || d.step !== undefined)
      throw new Error(`${name}: only plain float parameters are supported here`);
    return [name, [d.low, d.high]];
  }),
);
const trials = source.trials.map((t) => ({ params: t.params, value: t.value }));

/** The objective at a point, through a trial-like object that returns the given values. */
const valueAt = (point) => objective({ suggestFloat: (name) => point[names.indexOf(name)] });

const keel = [];
for (let seed = 0; seed < nSeeds; seed++) {
  const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed }) });
  for (const t of trials) {
    await study.enqueueTrial(t.params);
    const trial = await study.ask();
    for (const name of names) trial.suggestFloat(name, ...space[name]);
    await study.tell(trial, t.value);
  }
  const trial = await study.ask();
  keel.push(names.map((name) => trial.suggestFloat(name, ...space[name])));
}

const file = join(mkdtempSync(join(tmpdir(), "keel-proposal-")), "history.json");
writeFileSync(file, JSON.stringify({ space, trials }));
const script = join(import.meta.dirname, "optuna_proposal.py");
const optuna = JSON.parse(
  execFileSync("/usr/bin/python3", [script, file, String(nSeeds)], { maxBuffer: 1 << 28 }),
);

const quantiles = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return [0.05, 0.25, 0.5, 0.75, 0.95].map((p) =>
    sorted[Math.floor(p * (sorted.length - 1))].toFixed(3),
  );
};
const moments = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return `mean ${m.toFixed(3)} var ${v.toFixed(3)}`;
};
const best = Math.min(...trials.map((t) => t.value));
console.log(
  `${problem}, proposal after ${nHistory} trials of keel seed ${historySeed} (best so far ${best.toFixed(3)}), ${nSeeds} seeds each; quantiles 5/25/50/75/95%`,
);
const columns = [...names.map((name, i) => [name, (p) => p[i]]), ["f(x)", valueAt]];
for (const [name, get] of columns) {
  const [a, b] = [keel.map(get), optuna.map(get)];
  const { d, p } = ksTwoSample(a, b);
  console.log(
    `  ${name}: keel ${quantiles(a).join(" ")} ${moments(a)} | Optuna ${quantiles(b).join(" ")} ${moments(b)} | KS D ${d.toFixed(4)}, p ${p.toFixed(4)}${name === "f(x)" ? `, MW p ${mannWhitney(a, b).p.toFixed(4)}` : ""}`,
  );
}
