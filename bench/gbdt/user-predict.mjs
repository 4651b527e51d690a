// keel side of bench/gbdt/user-view.mjs's prediction rows: loads a bundle written by
// `keel train`, reads the table, and times `predictProba` on 200,000 rows (a smaller table's
// repeated) `repeats` times (the frame is built before the clock starts, as the Python side
// one-hot encodes first).
// Usage: node bench/gbdt/user-predict.mjs BUNDLE FILE TARGET [repeats]
// Prints one JSON line: wall and CPU seconds per repeat.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const { loadModel, readFrame } = await import(pathToFileURL(join(dist, "index.js")).href);
const [bundleDir, file, target, repeatsText = "5"] = process.argv.slice(2);
const bundle = await loadModel(bundleDir);
const frame = (await readFrame(file)).drop([target]);
// 200,000 rows: the first ones, or a smaller table's rows repeated (Telco has 7,043).
const batch =
  frame.nRows >= 200_000
    ? frame.slice(0, 200_000)
    : frame.take(Int32Array.from({ length: 200_000 }, (_, i) => i % frame.nRows));
const seconds = [];
// CPU seconds of the whole process (every thread) per call: the steadier figure on a shared
// machine.
const cpuSeconds = [];
for (let r = 0; r < Number(repeatsText); r++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  bundle.model.predictProba(batch);
  seconds.push((performance.now() - started) / 1000);
  const used = process.cpuUsage(cpu);
  cpuSeconds.push((used.user + used.system) / 1e6);
}
console.log(JSON.stringify({ rows: batch.nRows, seconds, cpuSeconds }));
