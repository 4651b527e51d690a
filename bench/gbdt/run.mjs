// bench/gbdt: keel's GBDT against XGBoost 1.7 (hist, nthread=2, one-hot categoricals) and
// scikit-learn's HistGradientBoostingClassifier, same data, same split, same settings
// (200 trees, depth 6, learning rate 0.1, 256 bins), in one run on this machine.
// Each system runs in its own process (peak memory is per process). Writes the table into
// bench/README.md between <!-- bench:gbdt --> markers.
// Usage: npm run build && node bench/gbdt/run.mjs [nEstimators]
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "..", ".data");
const readme = join(here, "..", "README.md");
const nEstimators = process.argv[2] ?? "200";
const python = "/usr/bin/python3";

if (!existsSync(join(dataDir, "synth-1m.x.f64"))) {
  console.error("generating synthetic data (once) ...");
  execFileSync(python, [join(here, "make-synthetic.py")], { stdio: "inherit" });
}

// Two OpenMP threads for the Python side (as keel uses two), sleeping rather than spinning
// while idle: on a shared machine spinning threads slow everyone down, including themselves.
const env = { ...process.env, OMP_NUM_THREADS: "2", OMP_WAIT_POLICY: "PASSIVE" };

function runJson(command, args) {
  const out = execFileSync(command, args, { encoding: "utf8", maxBuffer: 1 << 24, env });
  return JSON.parse(out.trim().split("\n").pop());
}

const results = {};
const loadBefore = loadavg()[0];
for (const dataset of ["telco", "synthetic"]) {
  results[dataset] = {};
  // Python first: it writes the Telco split the keel side reads.
  for (const system of ["xgboost", "sklearn"]) {
    console.error(`${dataset}: ${system} ...`);
    results[dataset][system] = runJson(python, [
      join(here, "reference.py"),
      dataset,
      system,
      nEstimators,
    ]);
    // Partial results survive a failure later in the run.
    writeFileSync(join(dataDir, "gbdt-results.json"), JSON.stringify(results, null, 1));
  }
  console.error(`${dataset}: keel ...`);
  results[dataset].keel = runJson(process.execPath, [
    join(here, "keel-side.mjs"),
    dataset,
    nEstimators,
  ]);
  writeFileSync(join(dataDir, "gbdt-results.json"), JSON.stringify(results, null, 1));
}
const loadAfter = loadavg()[0];

const fmt = (v, digits = 3) => (v === undefined ? "" : Number(v).toFixed(digits));
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : "");
const lines = [];
lines.push(
  `Measured ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), ${nEstimators} trees, depth 6, learning rate 0.1, 256 bins, 2 threads each. ` +
    `Load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after: the machine is shared with other jobs, so absolute times are noisy; ratios come from the same run.`,
);
lines.push("");
lines.push(
  "| dataset | system | test AUC | train s | predict 200k s | single record µs (median) | peak RSS MB |",
);
lines.push("|---|---|---|---|---|---|---|");
for (const [dataset, bySystem] of Object.entries(results)) {
  for (const system of ["keel", "xgboost", "sklearn"]) {
    const r = bySystem[system];
    lines.push(
      `| ${dataset} | ${system} | ${fmt(r.auc, 4)} | ${fmt(r.trainSeconds, 2)} | ${fmt(r.predict200kSeconds, 3)} | ${fmt(r.singleRecordMicros, 1)} | ${fmt(r.peakRssMb, 0)} |`,
    );
  }
}
lines.push("");
lines.push(
  "| dataset | AUC keel − XGBoost | train keel/XGBoost | predict keel/XGBoost | memory keel/XGBoost | train keel/sklearn |",
);
lines.push("|---|---|---|---|---|---|");
for (const [dataset, r] of Object.entries(results)) {
  lines.push(
    `| ${dataset} | ${(r.keel.auc - r.xgboost.auc >= 0 ? "+" : "") + (r.keel.auc - r.xgboost.auc).toFixed(4)} | ${ratio(r.keel.trainSeconds, r.xgboost.trainSeconds)} | ${ratio(r.keel.predict200kSeconds, r.xgboost.predict200kSeconds)} | ${ratio(r.keel.peakRssMb, r.xgboost.peakRssMb)} | ${ratio(r.keel.trainSeconds, r.sklearn.trainSeconds)} |`,
  );
}
lines.push("");
lines.push(
  "Python runs with OMP_NUM_THREADS=2 and OMP_WAIT_POLICY=PASSIVE. keel uses native categorical splits on Telco; XGBoost and scikit-learn get one-hot columns (pandas get_dummies). " +
    "Python's single-record figure is a `predict_proba` call on a one-row array (what a Python service does); keel's is `predictRecord` on a plain object. " +
    "Synthetic data is read from the same raw float64 file by every system; peak RSS includes it.",
);
const table = lines.join("\n");
const begin = "<!-- bench:gbdt -->";
const end = "<!-- /bench:gbdt -->";
let text = existsSync(readme) ? readFileSync(readme, "utf8") : "# Benchmarks\n";
const block = `${begin}\n${table}\n${end}`;
if (text.includes(begin) && text.includes(end)) {
  text = text.slice(0, text.indexOf(begin)) + block + text.slice(text.indexOf(end) + end.length);
} else {
  text = `${text.trimEnd()}\n\n## GBDT (bench/gbdt)\n\n${block}\n`;
}
writeFileSync(readme, text);
console.log(table);
console.log(JSON.stringify(results));
