// What refusing malformed bundles costs at load: CPU time of `loadModel` on a bundle (the
// 200-tree Telco GBDT of run.mjs), and of the structural check alone (`checkEnsemble`, one
// linear pass over the nodes) on the same loaded forest, interleaved round by round.
// Usage: npm run build && node bench/serve/load-check.mjs MODEL_DIR [--rounds 30]
import { dirname, join, resolve } from "node:path";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const D = join(ROOT, "dist");
const dir = resolve(args[0]);
const ROUNDS = Number(arg("--rounds", 30));
const { loadModel } = await import(`${D}/models/index.js`);
const { checkEnsemble } = await import(`${D}/models/gbdt/ensemble-checks.js`);

const cpuMs = (f) => {
  const c0 = process.cpuUsage();
  const out = f();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, out];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const loads = [];
const checks = [];
let model;
for (let r = 0; r < ROUNDS; r++) {
  const c0 = process.cpuUsage();
  model = (await loadModel(dir)).model;
  const c = process.cpuUsage(c0);
  loads.push((c.user + c.system) / 1000);
  // Repeated to get above the clock's resolution.
  const [ms] = cpuMs(() => {
    for (let i = 0; i < 20; i++) checkEnsemble(model.ensemble, model);
  });
  checks.push(ms / 20);
}
const e = model.ensemble;
console.log(
  `${e.roots.length} trees, ${e.feature.length} nodes: loadModel ${median(loads).toFixed(2)} ms CPU (median of ${ROUNDS}), of which the structural check ${median(checks).toFixed(3)} ms (${((100 * median(checks)) / median(loads)).toFixed(1)}%)`,
);
