// bench/gbdt's user view (issue 18): what a user times. Whole commands on CSV files:
// `keel train --data F.csv --target T --out DIR` against user-script.py (pandas read_csv,
// get_dummies, XGBoost 1.7 hist on 2 threads, 200 trees, depth 6, training metrics, save), then
// 200k-row batch prediction from the saved models (user-predict.mjs vs user-predict.py).
// keel and Python run alternately (the order flips every round) in the same run, `rounds`
// times; every figure is a median with its spread, CPU time (user + sys of the process) next to
// wall time, and the 1-minute load average when the run started.
// Tables: the 204k × 7 mixed table, the 16k × 16 26-class table, Telco (7,043 rows; its
// prediction rows repeat it to 200k), a 1,000-row regression table and the 1M × 50 synthetic set
// as a CSV file (made once with --large: about 0.6 GB, minutes to write).
// Writes the table into bench/README.md between <!-- bench:gbdt-user --> markers; with --tables
// (a subset) it writes bench/.data/user-view-results-<tables>.json only.
// Usage: npm run build && node bench/gbdt/user-view.mjs [rounds] [nEstimators]
//          [--tables mixed,letters,telco,regression,synth]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dataDir = join(here, "..", ".data");
const outDir = join(dataDir, "user-view");
mkdirSync(outDir, { recursive: true });
const readme = join(here, "..", "README.md");
// KEEL_DIST points at another build (a snapshot taken before a long run); default dist/.
const dist = process.env.KEEL_DIST ?? join(root, "dist");
const argv = process.argv.slice(2);
const tablesFlag = argv.indexOf("--tables");
const chosen = tablesFlag >= 0 ? argv[tablesFlag + 1].split(",") : undefined;
const positional = argv.filter(
  (_, i) => tablesFlag < 0 || (i !== tablesFlag && i !== tablesFlag + 1),
);
const [roundsText = "3", nEstimators = "200"] = positional;
const rounds = Number(roundsText);
const python = "/usr/bin/python3";
// Two OpenMP threads, sleeping rather than spinning while idle (as bench/gbdt/run.mjs).
const env = { ...process.env, OMP_NUM_THREADS: "2", OMP_WAIT_POLICY: "PASSIVE" };

const allTables = [
  {
    key: "mixed",
    name: "mixed 204k × 7, binary",
    file: join(dataDir, "mixed-204k.csv"),
    target: "label",
    predict: true,
  },
  {
    key: "letters",
    name: "letters 16k × 16, 26 classes",
    file: join(dataDir, "letters-16k.csv"),
    target: "letter",
  },
  {
    key: "telco",
    name: "Telco 7,043 × 19, binary",
    file: join(root, "data", "telco_churn.csv"),
    target: "churn",
    predict: true,
  },
  {
    key: "regression",
    name: "regression 1,000 × 6",
    file: join(dataDir, "regression-1k.csv"),
    target: "y",
    task: "regression",
  },
  {
    key: "synth",
    name: "synthetic 1M × 50, binary",
    file: join(dataDir, "synth-1m50.csv"),
    target: "label",
    predict: true,
    large: true,
  },
];
const tables = chosen ? allTables.filter((t) => chosen.includes(t.key)) : allTables;
for (const table of tables) {
  if (existsSync(table.file)) continue;
  console.error(`generating ${table.file} (once) ...`);
  const args = [join(here, "make-user-tables.py"), dataDir, ...(table.large ? ["--large"] : [])];
  spawnSync(python, args, { stdio: "inherit" });
}
const base = (table) => table.file.split("/").pop();

/** Runs a command under /usr/bin/time: wall (measured here), CPU seconds, stdout, stderr. */
function timed(command, args) {
  const load = loadavg()[0];
  const started = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %U %S", command, ...args], {
    encoding: "utf8",
    env,
    maxBuffer: 1 << 24,
  });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${r.stderr}`);
  const [user, sys] = r.stderr.trim().split("\n").pop().split(" ").slice(1).map(Number);
  return { wall, cpu: user + sys, load, stdout: r.stdout, stderr: r.stderr };
}

function keelTrain(table) {
  const t = timed(process.execPath, [
    join(dist, "cli", "main.js"),
    "train",
    "--data",
    table.file,
    "--target",
    table.target,
    ...(table.task ? ["--task", table.task] : []),
    "--param",
    `nEstimators=${nEstimators}`,
    "--param",
    "maxDepth=6",
    "--out",
    join(outDir, `keel-${base(table)}`),
    "--verbose",
  ]);
  const line = /^\s+fit\s+([\d.]+) s.*cpu\s+([\d.]+) s/m.exec(t.stderr);
  return { ...t, fit: Number(line?.[1]), fitCpu: Number(line?.[2]) };
}

function pythonTrain(table) {
  const t = timed(python, [
    join(here, "user-script.py"),
    table.file,
    table.target,
    join(outDir, `xgb-${base(table)}.json`),
    nEstimators,
    table.task ?? "classification",
  ]);
  const { fit, fitCpu } = JSON.parse(t.stdout.trim().split("\n").pop());
  return { ...t, fit, fitCpu };
}

function keelPredict(table) {
  const t = timed(process.execPath, [
    join(here, "user-predict.mjs"),
    join(outDir, `keel-${base(table)}`),
    table.file,
    table.target,
  ]);
  return { ...t, ...JSON.parse(t.stdout.trim().split("\n").pop()) };
}

function pythonPredict(table) {
  const t = timed(python, [
    join(here, "user-predict.py"),
    join(outDir, `xgb-${base(table)}.json`),
    table.file,
    table.target,
  ]);
  return { ...t, ...JSON.parse(t.stdout.trim().split("\n").pop()) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

/** Runs `a` and `b` alternately for `rounds` rounds, flipping who goes first. */
function interleaved(a, b) {
  const out = { a: [], b: [] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      out.a.push(a());
      out.b.push(b());
    } else {
      out.b.push(b());
      out.a.push(a());
    }
    const show = (x) =>
      x.wall !== undefined ? `${x.wall.toFixed(2)} s` : `${x.seconds.map((v) => v.toFixed(2))} s`;
    console.error(`  round ${r + 1}: keel ${show(out.a.at(-1))}, python ${show(out.b.at(-1))}`);
  }
  return out;
}

const results = [];
const loadBefore = loadavg();
for (const table of tables) {
  console.error(`${table.name}: train ...`);
  const train = interleaved(
    () => keelTrain(table),
    () => pythonTrain(table),
  );
  let predict;
  if (table.predict) {
    console.error(`${table.name}: predict ...`);
    predict = interleaved(
      () => keelPredict(table),
      () => pythonPredict(table),
    );
  }
  results.push({ table, train, predict });
  const name = chosen ? `user-view-results-${chosen.join("-")}.json` : "user-view-results.json";
  writeFileSync(join(dataDir, name), JSON.stringify(results, null, 1));
}
const loadAfter = loadavg();

const row = (what, k, p, key) => {
  const kv = k.map((x) => x[key]);
  const pv = p.map((x) => x[key]);
  const ratios = k.map((x, i) => x[key] / p[i][key]);
  return `| ${what} | ${median(kv).toFixed(2)} (${spread(kv)}) | ${median(pv).toFixed(2)} (${spread(pv)}) | ${(median(kv) / median(pv)).toFixed(2)}× (${spread(ratios)}) |`;
};
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), ${nEstimators} trees, depth 6, learning rate 0.1, 256 bins, 2 threads each, ${rounds} rounds, keel and Python alternating. Load average (1/5/15 min) ${loadBefore.map((l) => l.toFixed(1)).join("/")} before and ${loadAfter.map((l) => l.toFixed(1)).join("/")} after.`,
  "",
  "| table · figure | keel s, median (min–max) | Python s, median (min–max) | keel/Python, ratio of medians (per-round min–max) |",
  "|---|---|---|---|",
];
for (const { table, train, predict } of results) {
  const loads = [...train.a, ...train.b].map((x) => x.load);
  lines.push(
    `| **${table.name}** (load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}) | | | |`,
  );
  lines.push(row("whole command, wall", train.a, train.b, "wall"));
  lines.push(row("whole command, CPU", train.a, train.b, "cpu"));
  lines.push(row("fit only, wall", train.a, train.b, "fit"));
  lines.push(row("fit only, CPU", train.a, train.b, "fitCpu"));
  if (predict) {
    const pl = [...predict.a, ...predict.b].map((x) => x.load);
    const per = (runs) => runs.map((x) => ({ m: median(x.seconds), cpu: median(x.cpuSeconds) }));
    lines.push(
      `| predict_proba 200k rows, median of 5 per round (load ${Math.min(...pl).toFixed(1)}–${Math.max(...pl).toFixed(1)}) | | | |`,
    );
    lines.push(row("batch prediction, wall", per(predict.a), per(predict.b), "m"));
    lines.push(row("batch prediction, CPU", per(predict.a), per(predict.b), "cpu"));
    const all = (runs) => runs.flatMap((x) => x.seconds);
    lines.push(
      `| every single call (${all(predict.a).length} each) | ${median(all(predict.a)).toFixed(3)} (${spread(all(predict.a))}) | ${median(all(predict.b)).toFixed(3)} (${spread(all(predict.b))}) | |`,
    );
  }
}
lines.push("");
lines.push(
  "Whole command = process start to exit: `keel train --data F.csv --target T --param nEstimators=200 --param maxDepth=6 --out DIR` (read, type, fit, training metrics, bundle write; `--task regression` on the regression table) against `python3 bench/gbdt/user-script.py` (import, `pd.read_csv`, `get_dummies`, `XGBClassifier(tree_method='hist', n_jobs=2)` or `XGBRegressor`, `predict_proba` (`predict`) on the training set for the metrics, `save_model`). CPU = user + sys of the process (/usr/bin/time); fit CPU from `keel train --verbose` and `time.process_time()` around `fit`; prediction CPU from `process.cpuUsage()` and `time.process_time()` around each call. Python runs with OMP_NUM_THREADS=2 and OMP_WAIT_POLICY=PASSIVE. Tables from `bench/gbdt/make-user-tables.py` (seeded). Run: `npm run build && node bench/gbdt/user-view.mjs [rounds] [nEstimators] [--tables mixed,letters,telco,regression,synth]`.",
);
const table = lines.join("\n");
console.log(table);
// A subset of the tables is a partial run: its figures stay in its results file.
if (chosen) process.exit(0);
const begin = "<!-- bench:gbdt-user -->";
const end = "<!-- /bench:gbdt-user -->";
let text = readFileSync(readme, "utf8");
const block = `${begin}\n${table}\n${end}`;
if (text.includes(begin) && text.includes(end)) {
  text = text.slice(0, text.indexOf(begin)) + block + text.slice(text.indexOf(end) + end.length);
} else {
  text = `${text.trimEnd()}\n\n## GBDT, the user's view (bench/gbdt/user-view.mjs)\n\n${block}\n`;
}
writeFileSync(readme, text);
