// bench/transform: fit + transform of 1,000,000 × 50 (40 numeric, 10 categorical with 2–50
// levels, missing values) through imputer + scaler + one-hot in a ColumnTransformer, keel vs
// scikit-learn in the same run on the same files; and transformRecord latency on the 20-column
// Telco pipeline. Writes its table into bench/README.md between <!-- bench:transform --> markers.
// Run after `npm run build`: node bench/transform/run.mjs [repeats]
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureData } from "./data.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repeats = process.argv[2] ?? "3";
const { dir, meta } = ensureData(join(here, "..", ".data", "transform"));

const side = (command, args) =>
  JSON.parse(
    execFileSync(command, args, {
      encoding: "utf8",
      maxBuffer: 1 << 24,
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n")
      .at(-1),
  );
const loadBefore = loadavg()[0];
const keel = side(process.execPath, [
  "--max-old-space-size=8192",
  join(here, "keel-side.mjs"),
  dir,
  repeats,
]);
const sklearn = side("/usr/bin/python3", [join(here, "sklearn_side.py"), dir, repeats]);
const loadAfter = loadavg()[0];
const sklearnVersion = execFileSync(
  "/usr/bin/python3",
  ["-c", "import sklearn; print(sklearn.__version__)"],
  { encoding: "utf8" },
).trim();

const best = (runs, key) =>
  Math.min(
    ...runs.map((r) =>
      key === "total"
        ? r.fit + r.transform
        : key === "totalCpu"
          ? r.fitCpu + r.transformCpu
          : r[key],
    ),
  );
const s = (v) => `${v.toFixed(2)} s`;
const ratio = (a, b) => (a / b >= 0.01 ? `${(a / b).toFixed(2)}×` : `1/${Math.round(b / a)}`);
const row = (label, key, unit = s) =>
  `| ${label} | ${unit(best(keel.runs, key))} | ${unit(best(sklearn.runs, key))} | ${ratio(best(keel.runs, key), best(sklearn.runs, key))} |`;
const lines = [
  `1,000,000 rows × 50 columns (40 numeric, 10 categorical with ${meta.levels.map((l) => l.length).join("/")} levels; 5% / 3% missing) → ${keel.shape[1]} output columns (scikit-learn: ${sklearn.shape[1]}). Best of ${repeats} runs each, one process per system, same raw input files.`,
  "",
  `| measure | keel | scikit-learn ${sklearnVersion} | keel / scikit-learn |`,
  "|---|---|---|---|",
  row("fit, wall clock", "fit"),
  row("transform, wall clock", "transform"),
  row("**fit + transform, wall clock**", "total"),
  row("fit + transform, process CPU time", "totalCpu"),
  `| peak RSS | ${Math.round(keel.peakRssMb)} MB | ${Math.round(sklearn.peakRssMb)} MB | ${ratio(keel.peakRssMb, sklearn.peakRssMb)} |`,
  `| one record, ${keel.recordColumnsIn} Telco columns → ${keel.recordColumnsOut} features, median wall clock | ${keel.recordMedianMicros.toFixed(2)} µs (\`transformRecord\`) | ${sklearn.recordMedianMicros.toFixed(0)} µs (\`transform\` of a one-row DataFrame) | ${ratio(keel.recordMedianMicros, sklearn.recordMedianMicros)} |`,
  `| one record, median CPU time | ${keel.recordMedianCpuMicros.toFixed(2)} µs | ${sklearn.recordMedianCpuMicros.toFixed(0)} µs | ${ratio(keel.recordMedianCpuMicros, sklearn.recordMedianCpuMicros)} |`,
  "",
  `Goal: fit + transform ≤ 1.0× scikit-learn; transformRecord ≤ 5 µs. Pipeline: ColumnTransformer(num: SimpleImputer(mean) → StandardScaler on numeric columns, cat: OneHotEncoder(handleUnknown ignore, dense output) on categorical columns); scikit-learn gets a pandas DataFrame with Categorical columns. keel's record latency is the median over 200 batches of 1,000 calls (per-call = batch / 1,000). Machine: ${cpus().length} cores shared with other agents' jobs (1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after the run), so wall-clock times are inflated and noisy (repeated runs varied by up to 3×); process CPU time is the steadier comparison.`,
];
const table = lines.join("\n");
const readme = join(here, "..", "README.md");
const begin = "<!-- bench:transform -->";
const end = "<!-- /bench:transform -->";
let text = existsSync(readme) ? readFileSync(readme, "utf8") : "# Benchmarks\n";
const block = `${begin}\n${table}\n${end}`;
if (text.includes(begin) && text.includes(end)) {
  text = text.slice(0, text.indexOf(begin)) + block + text.slice(text.indexOf(end) + end.length);
} else {
  text = `${text.trimEnd()}\n\n## Transform (bench/transform)\n\n${block}\n`;
}
writeFileSync(readme, text);
console.log(table);
console.log(JSON.stringify({ keel, sklearn }));
