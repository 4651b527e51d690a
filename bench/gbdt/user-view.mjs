// bench/gbdt's user view (issue 18): what a user times. Whole commands on CSV files:
// `keel train --data F.csv --target T --out DIR` against user-script.py (pandas read_csv,
// get_dummies, XGBoost 1.7 hist on 2 threads, 200 trees, depth 6, training metrics, save), then
// 200k-row batch prediction from the saved models (user-predict.mjs vs user-predict.py).
// keel and Python run alternately (the order flips every round), `rounds` rounds per run and
// `--runs` runs (every table in run 1, then every table again in run 2, ...: runs minutes
// apart, as issue 18 asks). Every figure is a run's best round, given as the median over runs
// with the spread (min–max) across runs; CPU time (user + sys of the process) next to wall
// time, and the load averages. The 1M × 50 table (its CSV user view takes minutes per round)
// runs in the first `--large-runs` runs only, `--large-rounds` rounds each (default 1 and 1;
// the whole default run then takes about 15 minutes on a quiet 2-core machine).
// Tables: the 204k × 7 mixed table, the 16k × 16 26-class table, Telco (7,043 rows; its
// prediction rows repeat it to 200k), a 1,000-row regression table and the 1M × 50 synthetic set
// as a CSV file (made once with --large: about 0.6 GB, minutes to write).
// Writes the table into bench/README.md between <!-- bench:gbdt-user --> markers; with --tables
// (a subset) it writes bench/.data/user-view-results-<tables>.json only.
// Usage: npm run build && node bench/gbdt/user-view.mjs [rounds] [nEstimators] [--runs 3]
//          [--large-runs 1] [--large-rounds 1] [--tables mixed,letters,telco,regression,synth]
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
/** The value of `--name`, if given. */
const flag = (name) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const chosen = flag("tables")?.split(",");
const positional = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
const [roundsText = "3", nEstimators = "200"] = positional;
const rounds = Number(roundsText);
const runs = Number(flag("runs") ?? "3");
const largeRuns = Number(flag("large-runs") ?? "1");
const largeRounds = Number(flag("large-rounds") ?? "1");
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

/** Runs `a` and `b` alternately for `n` rounds, flipping who goes first. */
function interleaved(n, a, b) {
  const out = { a: [], b: [] };
  for (let r = 0; r < n; r++) {
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

/** Per table, one entry per run it took part in: `{ train, predict }` rounds of both sides. */
const results = new Map(tables.map((table) => [table, []]));
const loadBefore = loadavg();
const startedAt = performance.now();
for (let run = 0; run < runs; run++) {
  for (const table of tables) {
    if (table.large && run >= largeRuns) continue;
    const n = table.large ? largeRounds : rounds;
    console.error(`run ${run + 1}/${runs}, ${table.name}: train ...`);
    const train = interleaved(
      n,
      () => keelTrain(table),
      () => pythonTrain(table),
    );
    let predict;
    if (table.predict) {
      console.error(`run ${run + 1}/${runs}, ${table.name}: predict ...`);
      predict = interleaved(
        n,
        () => keelPredict(table),
        () => pythonPredict(table),
      );
    }
    results.get(table).push({ train, predict });
    const name = chosen ? `user-view-results-${chosen.join("-")}.json` : "user-view-results.json";
    const saved = [...results].map(([t, perRun]) => ({ table: t, runs: perRun }));
    writeFileSync(join(dataDir, name), JSON.stringify(saved, null, 1));
  }
}
const loadAfter = loadavg();
const minutes = (performance.now() - startedAt) / 60_000;

/** A run's best (least) value of `key` over its rounds; `pick` maps a round first. */
const best = (rounds, key, pick = (x) => x) => Math.min(...rounds.map((x) => pick(x)[key]));
/**
 * One figure: per run the best round of each side and their ratio; the median over runs with
 * the spread across runs.
 */
const row = (what, perRun, side, key, pick) => {
  const kv = perRun.map((r) => best(r[side].a, key, pick));
  const pv = perRun.map((r) => best(r[side].b, key, pick));
  const ratios = kv.map((v, i) => v / pv[i]);
  return `| ${what} | ${median(kv).toFixed(2)} (${spread(kv)}) | ${median(pv).toFixed(2)} (${spread(pv)}) | ${median(ratios).toFixed(2)}× (${spread(ratios)}) |`;
};
const describeRuns = (table) =>
  table.large
    ? `${Math.min(runs, largeRuns)} run${Math.min(runs, largeRuns) === 1 ? "" : "s"} of ${largeRounds} round${largeRounds === 1 ? "" : "s"}`
    : `${runs} run${runs === 1 ? "" : "s"} of ${rounds} rounds`;
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} cores (${cpus()[0]?.model ?? "cpu"}), ${nEstimators} trees, depth 6, learning rate 0.1, 256 bins, 2 threads each; ${runs} runs one after another (each: every table in turn), keel and Python alternating within a run; ${minutes.toFixed(1)} minutes in all. Load average (1/5/15 min) ${loadBefore.map((l) => l.toFixed(1)).join("/")} before and ${loadAfter.map((l) => l.toFixed(1)).join("/")} after.`,
  "",
  "| table · figure | keel s: median over runs of each run's best (min–max across runs) | Python s: the same | keel/Python: median of the runs' ratios (min–max across runs) |",
  "|---|---|---|---|",
];
const perCall = (x) => ({ m: median(x.seconds), cpu: median(x.cpuSeconds) });
for (const [table, perRun] of results) {
  if (perRun.length === 0) continue;
  const loads = perRun.flatMap((r) => [...r.train.a, ...r.train.b]).map((x) => x.load);
  lines.push(
    `| **${table.name}**, ${describeRuns(table)} (load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}) | | | |`,
  );
  lines.push(row("whole command, wall", perRun, "train", "wall"));
  lines.push(row("whole command, CPU", perRun, "train", "cpu"));
  lines.push(row("fit only, wall", perRun, "train", "fit"));
  lines.push(row("fit only, CPU", perRun, "train", "fitCpu"));
  if (table.predict) {
    const pl = perRun.flatMap((r) => [...r.predict.a, ...r.predict.b]).map((x) => x.load);
    lines.push(
      `| predict_proba 200k rows, median of 5 calls per round (load ${Math.min(...pl).toFixed(1)}–${Math.max(...pl).toFixed(1)}) | | | |`,
    );
    lines.push(row("batch prediction, wall", perRun, "predict", "m", perCall));
    lines.push(row("batch prediction, CPU", perRun, "predict", "cpu", perCall));
    const all = (side) => perRun.flatMap((r) => r.predict[side].flatMap((x) => x.seconds));
    lines.push(
      `| every single call (${all("a").length} each) | ${median(all("a")).toFixed(3)} (${spread(all("a"))}) | ${median(all("b")).toFixed(3)} (${spread(all("b"))}) | |`,
    );
  }
}
lines.push("");
lines.push(
  "Whole command = process start to exit: `keel train --data F.csv --target T --param nEstimators=200 --param maxDepth=6 --out DIR` (read, type, fit, training metrics, bundle write; `--task regression` on the regression table) against `python3 bench/gbdt/user-script.py` (import, `pd.read_csv`, `get_dummies`, `XGBClassifier(tree_method='hist', n_jobs=2)` or `XGBRegressor`, `predict_proba` (`predict`) on the training set for the metrics, `save_model`). CPU = user + sys of the process (/usr/bin/time); fit CPU from `keel train --verbose` and `time.process_time()` around `fit`; prediction CPU from `process.cpuUsage()` and `time.process_time()` around each call. Python runs with OMP_NUM_THREADS=2 and OMP_WAIT_POLICY=PASSIVE. Tables from `bench/gbdt/make-user-tables.py` (seeded; the 1M × 50 CSV with `--large`). A table with one run shows no spread across runs. Run: `npm run build && node bench/gbdt/user-view.mjs [rounds] [nEstimators] [--runs 3] [--large-runs 1] [--large-rounds 1] [--tables mixed,letters,telco,regression,synth]`.",
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
