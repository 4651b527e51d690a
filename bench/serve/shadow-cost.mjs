// What shadows cost the event loop: N single-row shadow jobs handed to a ShadowScorer at once
// (as a burst of shadowed requests hands them), wall time until all are scored, and the main
// thread's CPU for the hand-over (the scoring runs on the shadow thread).
// Usage: npm run build && node bench/serve/shadow-cost.mjs MODEL_DIR [--jobs 5000] [--dist DIR]
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const D = resolve(arg("--dist", join(ROOT, "dist")));
const N = Number(arg("--jobs", 5000));
const { ShadowScorer } = await import(`${D}/serve/shadow-scorer.js`);
const { loadModel } = await import(`${D}/models/index.js`);
const { readFrame } = await import(`${D}/data/index.js`);
const bundle = await loadModel(resolve(args[0]));
const records = (await readFrame(join(ROOT, "data/telco_churn.csv")))
  .drop(["churn"])
  .head(100)
  .toRecords();
const mainCpuMs = () => {
  const st = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
};
const shadows = new ShadowScorer({ timeoutMs: 5000 });
await shadows.score(bundle, records.slice(0, 1)); // the thread starts and loads the model
const cpu = mainCpuMs();
const start = performance.now();
const results = await Promise.all(
  Array.from({ length: N }, (_, i) => shadows.score(bundle, [records[i % records.length]])),
);
const skipped = results.filter((r) => "error" in r).length;
console.log(
  `${N} single-row shadow jobs: ${(performance.now() - start).toFixed(0)} ms wall, event loop ${mainCpuMs() - cpu} ms CPU, skipped ${skipped}`,
);
await shadows.close();
