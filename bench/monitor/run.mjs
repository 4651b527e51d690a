// bench/monitor: a drift report's computations over 1,000,000 reference and 1,000,000 current
// rows, 10 numeric and 10 categorical columns — keel (KS and Wasserstein per numeric column,
// Jensen–Shannon on category counts) against numpy/scipy (ks_2samp, wasserstein_distance,
// jensenshannon on counts) on the same data in one run, each side in its own process; plus
// keel's whole driftReport, the HTML size for 1M rows × 50 columns, and a 100,000-row profile
// update. Writes the table into bench/README.md between <!-- bench:monitor --> markers.
// Usage: npm run build && node bench/monitor/run.mjs
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeLoad } from "../machine-load.mjs";

const keel = await import(process.env.KEEL_DIST ?? "../../dist/index.js");
const { Rng, Frame, numericColumn, categoricalColumn, driftReport, renderDriftHtml } = keel;

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "..", ".data", "monitor");
const readme = join(here, "..", "README.md");
const N = 1_000_000;
const NUMERIC = 10;
const CATEGORICAL = 10;
const LEVELS = [2, 3, 5, 8, 12, 18, 25, 32, 40, 50];

mkdirSync(dataDir, { recursive: true });
if (!existsSync(join(dataDir, "meta.json"))) {
  console.error("generating 2 × 1M rows (once) ...");
  const rng = new Rng(20261206);
  for (const side of ["ref", "cur"]) {
    for (let c = 0; c < NUMERIC; c++) {
      // Columns 0-2 shift in the current window (by 0.05, 0.1, 0.2 sd); the rest do not.
      const shift = side === "cur" && c < 3 ? [0.05, 0.1, 0.2][c] : 0;
      const v = new Float64Array(N);
      for (let i = 0; i < N; i++) v[i] = rng.normal() * (1 + c) + 10 * c + shift * (1 + c);
      writeFileSync(join(dataDir, `${side}-n${c}.f64`), v);
    }
    for (let c = 0; c < CATEGORICAL; c++) {
      const k = LEVELS[c];
      const v = new Int32Array(N);
      // Columns 0-1 tilt towards level 0 in the current window.
      const tilt = side === "cur" && c < 2 ? 0.1 : 0;
      for (let i = 0; i < N; i++) v[i] = rng.next() < tilt ? 0 : rng.int(k);
      writeFileSync(join(dataDir, `${side}-c${c}.i32`), v);
    }
  }
  writeFileSync(
    join(dataDir, "meta.json"),
    JSON.stringify({ numeric: NUMERIC, categorical: CATEGORICAL, levels: LEVELS, rows: N }),
  );
}

function runJson(command, args) {
  const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" };
  const out = execFileSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26, env });
  return JSON.parse(out.trim().split("\n").pop());
}

const load0 = loadavg()[0];
console.error("keel ...");
const k = runJson(process.execPath, [
  "--max-old-space-size=8192",
  join(here, "keel-side.mjs"),
  dataDir,
]);
const load1 = loadavg()[0];
console.error("numpy/scipy ...");
const p = runJson("/usr/bin/python3", [join(here, "reference.py"), dataDir]);
const load2 = loadavg()[0];

// Same numbers? Largest relative difference per computation.
const rel = (a, b) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));
const maxRel = (xs, ys) => Math.max(...xs.map((x, i) => rel(x, ys[i])));
const kv = k.computations.values;
const pv = p.computations.values;
const agreement = {
  ksStatistic: maxRel(
    kv.ks.map((x) => x[0]),
    pv.ks.map((x) => x[0]),
  ),
  ksPValue: maxRel(
    kv.ks.map((x) => x[1]),
    pv.ks.map((x) => x[1]),
  ),
  wasserstein: maxRel(kv.wasserstein, pv.wasserstein),
  jensenShannon: maxRel(kv.jensenShannon, pv.jensenShannon),
};

// HTML size for 1,000,000 rows × 50 columns (25 numeric, 25 categorical).
console.error("HTML for 1M × 50 ...");
const rng = new Rng(7);
const wide = (shift) =>
  Frame.fromColumns([
    ...Array.from({ length: 25 }, (_, c) => [
      `num_${c}`,
      numericColumn(Float64Array.from({ length: N }, () => rng.normal() + shift)),
    ]),
    ...Array.from({ length: 25 }, (_, c) => [
      `cat_${c}`,
      categoricalColumn(
        Int32Array.from({ length: N }, () => rng.int(40)),
        Array.from({ length: 40 }, (_, i) => `category ${i}`),
      ),
    ]),
  ]);
const wideHtml = renderDriftHtml(driftReport(wide(0), wide(0.05)));
const htmlBytes = Buffer.byteLength(wideHtml);
const load3 = loadavg()[0];

const f = (x) => `${x.toFixed(2)} s`;
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16)}Z on ${describeLoad([load0, load1, load2, load3])} (before keel, before numpy/scipy, after, after the HTML run). Median of 3 runs each; lower ratio is better.`,
  "",
  "| measure (1M reference + 1M current rows, 10 numeric + 10 categorical) | keel | numpy 1.24 / scipy 1.10 | keel / reference | goal |",
  "|---|---|---|---|---|",
  `| KS + Wasserstein per numeric column, Jensen–Shannon on counts per categorical, wall clock | ${f(k.computations.wall)} | ${f(p.computations.wall)} | **${(k.computations.wall / p.computations.wall).toFixed(2)}×** | ≤ 1.0× |`,
  `| same, process CPU time | ${f(k.computations.cpu)} | ${f(p.computations.cpu)} | ${(k.computations.cpu / p.computations.cpu).toFixed(2)}× | |`,
  `| whole \`driftReport\` (default tests, data quality, charts), wall clock | ${f(k.report.wall)} | — | | |`,
  `| profile update with 100,000 rows × 20 columns into the 1M-row profile (median of 5), wall clock | ${k.profileUpdateMs.toFixed(1)} ms | — | | ≤ 50 ms |`,
  `| same, process CPU time | ${k.profileUpdateCpuMs.toFixed(1)} ms | — | | |`,
  `| HTML report, 1,000,000 rows × 50 columns | ${(htmlBytes / 1024).toFixed(0)} KB | — | | < 2 MB |`,
  "",
  `Agreement of keel with scipy on these columns (largest relative difference): KS statistic ${agreement.ksStatistic.toExponential(1)}, KS p-value ${agreement.ksPValue.toExponential(1)}, Wasserstein ${agreement.wasserstein.toExponential(1)}, Jensen–Shannon ${agreement.jensenShannon.toExponential(1)}. Columns flagged by the default report: ${k.report.drifted.join(", ") || "none"}. keel sorts each numeric column once and walks both sorted samples once per test; scipy's ks_2samp and wasserstein_distance each sort and binary-search the pooled sample. Run: \`npm run build && node bench/monitor/run.mjs\` (data generated once under bench/.data/monitor).`,
];
const table = lines.join("\n");
console.log(table);
const text = readFileSync(readme, "utf8");
const start = "<!-- bench:monitor -->";
const end = "<!-- /bench:monitor -->";
const block = `${start}\n${table}\n${end}`;
writeFileSync(
  readme,
  text.includes(start)
    ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
    : `${text.trimEnd()}\n\n## Monitor (bench/monitor)\n\n${block}\n`,
);
