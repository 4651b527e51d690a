// keel side of bench/gbdt/user-view.mjs's prediction rows: loads a bundle written by
// `keel train`, reads the table, and times `predictProba` on its first 200,000 rows `repeats`
// times (the frame is built before the clock starts, as the Python side one-hot encodes first).
// Usage: node bench/gbdt/user-predict.mjs BUNDLE FILE TARGET [repeats]
// Prints one JSON line: seconds per repeat.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.KEEL_DIST ?? join(here, "..", "..", "dist");
const { loadModel, readFrame } = await import(pathToFileURL(join(dist, "index.js")).href);
const [bundleDir, file, target, repeatsText = "5"] = process.argv.slice(2);
const bundle = await loadModel(bundleDir);
const frame = (await readFrame(file)).drop([target]);
const batch = frame.slice(0, Math.min(200_000, frame.nRows));
const seconds = [];
for (let r = 0; r < Number(repeatsText); r++) {
  const started = performance.now();
  bundle.model.predictProba(batch);
  seconds.push((performance.now() - started) / 1000);
}
console.log(JSON.stringify({ rows: batch.nRows, seconds }));
