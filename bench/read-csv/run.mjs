// bench/read-csv: keel readFrame + profileFrame against pandas read_csv + describe() on the
// same 1,000,000 × 50 numeric CSV (5% missing, fixed seed), in the same run, on the same
// machine. Each system runs REPEATS times in fresh processes, alternating; the table shows
// medians. Writes the table into bench/README.md between the bench:read-csv markers.
//
//   npm run build && node bench/read-csv/run.mjs [--repeats 3]
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  COLUMNS,
  generate,
  generateLate,
  LATE_COLUMNS,
  LATE_FROM,
  LATE_ROWS,
  MISSING,
  ROWS,
  SEED,
} from "./generate.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const data = join(root, "bench", ".data", `read-csv-${ROWS}x${COLUMNS}-seed${SEED}.csv`);
const lateData = join(
  root,
  "bench",
  ".data",
  `read-csv-late-${LATE_ROWS}x${LATE_COLUMNS}-from${LATE_FROM}-seed${SEED + 1}.csv`,
);
const readme = join(root, "bench", "README.md");
const repeatsFlag = process.argv.indexOf("--repeats");
const REPEATS = repeatsFlag > 0 ? Number(process.argv[repeatsFlag + 1]) : 3;
const run = promisify(execFile);

if (!existsSync(join(root, "dist", "data", "index.js"))) {
  console.error("bench/read-csv needs the build: run `npm run build` first.");
  process.exit(2);
}

const size = await generate(data);
console.log(`input: ${data} (${(size / 1e6).toFixed(0)} MB)`);
const lateSize = await generateLate(lateData);
console.log(`input: ${lateData} (${(lateSize / 1e6).toFixed(0)} MB)`);

async function once(command, args) {
  const { stdout } = await run(command, args, { maxBuffer: 1 << 20, cwd: root });
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

const keel = [];
const pandas = [];
const keelLate = [];
const pandasLate = [];
const loads = [loadavg()[0]];
for (let r = 0; r < REPEATS; r++) {
  keel.push(await once(process.execPath, [join(here, "keel-run.mjs"), data]));
  pandas.push(await once("/usr/bin/python3", [join(here, "pandas_run.py"), data]));
  keelLate.push(await once(process.execPath, [join(here, "keel-run.mjs"), lateData]));
  pandasLate.push(await once("/usr/bin/python3", [join(here, "pandas_run.py"), lateData]));
  loads.push(loadavg()[0]);
  console.log(
    `run ${r + 1}: keel ${keel.at(-1).totalSeconds.toFixed(2)} s, pandas ${pandas.at(-1).totalSeconds.toFixed(2)} s; late decimals: keel ${keelLate.at(-1).totalSeconds.toFixed(2)} s, pandas ${pandasLate.at(-1).totalSeconds.toFixed(2)} s`,
  );
}

const median = (runs, key) => {
  const sorted = runs.map((x) => x[key]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const summary = (runs) => ({
  read: median(runs, "readSeconds"),
  profile: median(runs, "profileSeconds"),
  total: median(runs, "totalSeconds"),
  cpu: median(runs, "cpuSeconds"),
  rss: median(runs, "peakRssBytes"),
  frame: runs[0].frameBytes,
});
const k = summary(keel);
const p = summary(pandas);
const kl = summary(keelLate);
const pl = summary(pandasLate);
// Both read every value of the late file exactly when their sums agree to float rounding.
const lateSumGap =
  Math.abs(keelLate[0].sumOfAll - pandasLate[0].sumOfAll) / Math.abs(pandasLate[0].sumOfAll);
const timeRatio = k.total / p.total;
const memoryRatio = k.rss / k.frame;
const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
const s = (seconds) => seconds.toFixed(2);

const table = [
  `Input: ${ROWS.toLocaleString("en-US")} rows × ${COLUMNS} numeric columns, ${MISSING * 100}% missing, seed ${SEED} (${(size / 1e6).toFixed(0)} MB CSV). Median of ${REPEATS} alternating runs, each in a fresh process.`,
  "",
  "| system | read (s) | profile (s) | total (s) | CPU time (s) | peak RSS (MiB) | data in memory (MiB) | peak RSS / data |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
  `| keel \`readFrame\` + \`profileFrame\` | ${s(k.read)} | ${s(k.profile)} | ${s(k.total)} | ${s(k.cpu)} | ${mb(k.rss)} | ${mb(k.frame)} (Frame) | ${(k.rss / k.frame).toFixed(2)} |`,
  `| pandas ${pandas[0].pandas} \`read_csv\` + \`describe()\` | ${s(p.read)} | ${s(p.profile)} | ${s(p.total)} | ${s(p.cpu)} | ${mb(p.rss)} | ${mb(p.frame)} (DataFrame) | ${(p.rss / p.frame).toFixed(2)} |`,
  "",
  `**keel time / pandas time = ${timeRatio.toFixed(2)}** (wall clock, medians; goal ≤ 0.5: ${timeRatio <= 0.5 ? "met" : "NOT met"}); keel CPU time / pandas CPU time = ${(k.cpu / p.cpu).toFixed(2)}; **keel peak RSS / Frame bytes = ${memoryRatio.toFixed(2)}** (goal ≤ 2: ${memoryRatio <= 2 ? "met" : "NOT met"}). Per-run wall times: keel ${keel.map((x) => s(x.totalSeconds)).join(", ")}; pandas ${pandas.map((x) => s(x.totalSeconds)).join(", ")}.`,
  "",
  `Late decimals: ${LATE_ROWS.toLocaleString("en-US")} rows × ${LATE_COLUMNS} columns of whole numbers until row ${LATE_FROM.toLocaleString("en-US")}, then numbers with 4 decimals (${(lateSize / 1e6).toFixed(0)} MB CSV), same runs.`,
  "",
  "| system | read (s) | profile (s) | total (s) | CPU time (s) | peak RSS (MiB) | sum of every value read |",
  "|---|---:|---:|---:|---:|---:|---:|",
  `| keel | ${s(kl.read)} | ${s(kl.profile)} | ${s(kl.total)} | ${s(kl.cpu)} | ${mb(kl.rss)} | ${keelLate[0].sumOfAll.toFixed(4)} |`,
  `| pandas | ${s(pl.read)} | ${s(pl.profile)} | ${s(pl.total)} | ${s(pl.cpu)} | ${mb(pl.rss)} | ${pandasLate[0].sumOfAll.toFixed(4)} |`,
  "",
  `**late decimals: keel time / pandas time = ${(kl.total / pl.total).toFixed(2)}**; the sums differ by ${lateSumGap.toExponential(1)} of pandas' (${lateSumGap < 1e-9 ? "equal to float rounding: no value changed" : "VALUES DIFFER"}).`,
  "",
  `keel's profile does more than \`describe()\`: it also counts distinct values per column. Machine: ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, shared with other jobs (1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run), so absolute times are noisy; both systems ran interleaved under the same load. Measured ${new Date().toISOString().slice(0, 10)}.`,
].join("\n");

const start = "<!-- bench:read-csv -->";
const end = "<!-- /bench:read-csv -->";
const current = existsSync(readme) ? readFileSync(readme, "utf8") : "# Benchmarks\n";
const block = `${start}\n${table}\n${end}`;
const next =
  current.includes(start) && current.includes(end)
    ? current.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
    : `${current.trimEnd()}\n\n## read-csv\n\n${block}\n`;
writeFileSync(readme, next);
console.log(`\n${table}`);
