// bench/gbdt's user view (issue 18): what a user times. Whole commands on CSV files:
// `keel train --data F.csv --target T --out DIR` against user-script.py (pandas read_csv,
// get_dummies, XGBoost 1.7 hist on 2 threads, 200 trees, depth 6, training metrics, save), then
// 200k-row batch prediction from the saved models (user-predict.mjs vs user-predict.py).
// keel and Python run alternately (the order flips every round) in the same run, `rounds`
// times; every figure is a median with its spread, CPU time (user + sys of the process) next to
// wall time, and the 1-minute load average when the run started.
// Writes the table into bench/README.md between <!-- bench:gbdt-user --> markers.
// Usage: npm run build && node bench/gbdt/user-view.mjs [rounds] [nEstimators]
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
const [roundsText = "3", nEstimators = "200"] = process.argv.slice(2);
const rounds = Number(roundsText);
const python = "/usr/bin/python3";
// Two OpenMP threads, sleeping rather than spinning while idle (as bench/gbdt/run.mjs).
const env = { ...process.env, OMP_NUM_THREADS: "2", OMP_WAIT_POLICY: "PASSIVE" };

const tables = [
  { name: "mixed 204k × 7, binary", file: "mixed-204k.csv", target: "label", predict: true },
  { name: "letters 16k × 16, 26 classes", file: "letters-16k.csv", target: "letter" },
];
if (!tables.every((t) => existsSync(join(dataDir, t.file)))) {
  console.error("generating the user-view tables (once) ...");
  spawnSync(python, [join(here, "make-user-tables.py")], { stdio: "inherit" });
}

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
    join(root, "dist", "cli", "main.js"),
    "train",
    "--data",
    join(dataDir, table.file),
    "--target",
    table.target,
    "--param",
    `nEstimators=${nEstimators}`,
    "--param",
    "maxDepth=6",
    "--out",
    join(outDir, `keel-${table.file}`),
    "--verbose",
  ]);
  const fit = Number(/^\s+fit\s+([\d.]+) s/m.exec(t.stderr)?.[1]);
  return { ...t, fit };
}

function pythonTrain(table) {
  const t = timed(python, [
    join(here, "user-script.py"),
    join(dataDir, table.file),
    table.target,
    join(outDir, `xgb-${table.file}.json`),
    nEstimators,
  ]);
  return { ...t, fit: JSON.parse(t.stdout.trim().split("\n").pop()).fit };
}

function keelPredict(table) {
  const t = timed(process.execPath, [
    join(here, "user-predict.mjs"),
    join(outDir, `keel-${table.file}`),
    join(dataDir, table.file),
    table.target,
  ]);
  return { ...t, seconds: JSON.parse(t.stdout.trim().split("\n").pop()).seconds };
}

function pythonPredict(table) {
  const t = timed(python, [
    join(here, "user-predict.py"),
    join(outDir, `xgb-${table.file}.json`),
    join(dataDir, table.file),
    table.target,
  ]);
  return { ...t, seconds: JSON.parse(t.stdout.trim().split("\n").pop()).seconds };
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
    console.error(
      `  round ${r + 1}: keel ${out.a.at(-1).wall.toFixed(2)} s, python ${out.b.at(-1).wall.toFixed(2)} s`,
    );
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
  writeFileSync(join(dataDir, "user-view-results.json"), JSON.stringify(results, null, 1));
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
  if (predict) {
    const pl = [...predict.a, ...predict.b].map((x) => x.load);
    const per = (runs) => runs.map((x) => ({ m: median(x.seconds) }));
    lines.push(
      `| predict_proba 200k rows, median of 5 per round (load ${Math.min(...pl).toFixed(1)}–${Math.max(...pl).toFixed(1)}) | | | |`,
    );
    lines.push(row("batch prediction, wall", per(predict.a), per(predict.b), "m"));
    const all = (runs) => runs.flatMap((x) => x.seconds);
    lines.push(
      `| every single call (${all(predict.a).length} each) | ${median(all(predict.a)).toFixed(3)} (${spread(all(predict.a))}) | ${median(all(predict.b)).toFixed(3)} (${spread(all(predict.b))}) | |`,
    );
  }
}
lines.push("");
lines.push(
  "Whole command = process start to exit: `keel train --data F.csv --target T --param nEstimators=200 --param maxDepth=6 --out DIR` (read, type, fit, training metrics, bundle write) against `python3 bench/gbdt/user-script.py` (import, `pd.read_csv`, `get_dummies`, `XGBClassifier(tree_method='hist', n_jobs=2)`, `predict_proba` on the training set for the metrics, `save_model`). CPU = user + sys of the process (/usr/bin/time). Python runs with OMP_NUM_THREADS=2 and OMP_WAIT_POLICY=PASSIVE. Tables from `bench/gbdt/make-user-tables.py` (seeded). Run: `npm run build && node bench/gbdt/user-view.mjs [rounds]`.",
);
const table = lines.join("\n");
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
console.log(table);
