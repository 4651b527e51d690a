#!/usr/bin/env node
// bench/tune/curve.mjs: where do keel's default TPE and Optuna's part? Runs both on one problem
// for seeds FROM..TO-1, keeps every trial's value, and prints per trial number the median
// best-so-far of each side, the Mann–Whitney p of best-so-far there, and the median of the
// value of that trial alone (what the sampler proposed at that step). Needs `npm run build`.
// Raw values are kept in bench/.data/tune-curve-PROBLEM-FROM-TO.json; a second call with the
// same arguments reads them instead of running again (delete the file to re-run).
//
//   node bench/tune/curve.mjs styblinskiTang5 80 0:200 [--keel-only] [--options JSON] [--shared-startup] [--readme]
// --readme puts this run's row into bench/README.md (section bench:tune-curve; a row with the
// same problem, seeds and mode is replaced).
// --options passes TpeSampler options to keel's side (to test a candidate fix); the data file
// name then carries a hash of them.
// Optuna runs with optuna_runner.py --fast (SciPy's log_ndtr/ndtri_exp in Optuna's truncated
// normal; seeds 0 and 1 of styblinskiTang5 gave the same 80 values as plain Optuna to 5e-13).
// --shared-startup: per seed, both sides start from the same 10 random trials (drawn by keel's
// RandomSampler with seed 1,000,000 + seed, enqueued on both sides), so what differs is only the
// TPE phase and runs pair up by seed; prints how often keel's run ends better than its pair.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROBLEMS } from "./problems.mjs";
import { mannWhitney, median, signTest } from "./stats.mjs";

const root = join(import.meta.dirname, "..", "..");
const { createStudy, TpeSampler, RandomSampler } = await import(
  join(root, "dist", "tune", "index.js")
);
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    options: { type: "string", default: "{}" },
    "keel-only": { type: "boolean" },
    "shared-startup": { type: "boolean" },
    readme: { type: "boolean" },
  },
});
const [problem, trials, range] = positionals;
const nTrials = Number(trials);
const [from, to] = range.split(":").map(Number);
const options = JSON.parse(flags.options);
const tag =
  flags.options === "{}"
    ? ""
    : `-${createHash("sha1").update(flags.options).digest("hex").slice(0, 8)}`;
const shared = flags["shared-startup"] === true;
const dataDir = join(root, "bench", ".data");
const base = join(
  dataDir,
  `tune-curve-${problem}-${nTrials}-${from}-${to}${shared ? "-shared" : ""}`,
);
const file = `${base}${tag}.json`;
const optunaFile = `${base}.optuna.json`;

/** Per seed, the 10 random startup trials both sides share (`--shared-startup`). */
async function startupTrials() {
  const out = {};
  for (let seed = from; seed < to; seed++) {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed: 1_000_000 + seed }),
    });
    await study.optimize(PROBLEMS[problem].objective, { nTrials: 10 });
    out[seed] = study.trials.map((t) => t.params);
  }
  return out;
}
const startup = shared ? await startupTrials() : {};

async function keelRuns() {
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const runs = [];
  for (let seed = from; seed < to; seed++) {
    const study = await createStudy({
      direction: "minimize",
      sampler: new TpeSampler({ seed, ...options }),
    });
    for (const params of startup[seed] ?? []) await study.enqueueTrial(params);
    await study.optimize(PROBLEMS[problem].objective, { nTrials });
    runs.push(study.trials.map((t) => t.value));
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(runs));
  return runs;
}

function optunaRuns() {
  if (existsSync(optunaFile)) return JSON.parse(readFileSync(optunaFile, "utf8"));
  const seeds = Array.from({ length: to - from }, (_, i) => String(from + i));
  const script = join(import.meta.dirname, "optuna_runner.py");
  const startupFile = `${base}.startup.json`;
  writeFileSync(startupFile, JSON.stringify(startup));
  const extra = shared ? ["--startup", startupFile] : [];
  const result = spawnSync(
    "/usr/bin/python3",
    [script, problem, trials, ...seeds, "--values", "--fast", ...extra],
    {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    },
  );
  if (result.status !== 0) throw new Error(`optuna_runner.py failed: ${result.stderr}`);
  const runs = JSON.parse(result.stdout).runs.map((r) => r.values);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(optunaFile, JSON.stringify(runs));
  return runs;
}

const bestSoFar = (values) => {
  let best = Number.POSITIVE_INFINITY;
  return values.map((v) => {
    best = Math.min(best, v);
    return best;
  });
};
const keel = await keelRuns();
if (flags["keel-only"]) process.exit(0);
const optuna = optunaRuns();
const [kb, ob] = [keel.map(bestSoFar), optuna.map(bestSoFar)];
const fmt = (x) => x.toPrecision(5).padStart(10);
console.log(
  `${problem}, seeds ${from}..${to - 1}, ${nTrials} trials${tag ? `, keel options ${flags.options}` : ""}`,
);
console.log(
  "trial | keel best-so-far | Optuna best-so-far | MW p (best) | keel value | Optuna value | MW p (value)",
);
for (let t = 0; t < nTrials; t++) {
  const a = kb.map((r) => r[t]);
  const b = ob.map((r) => r[t]);
  const va = keel.map((r) => r[t]);
  const vb = optuna.map((r) => r[t]);
  console.log(
    `${String(t + 1).padStart(5)} | ${fmt(median(a))} | ${fmt(median(b))} | ${mannWhitney(a, b).p.toFixed(4)} | ${fmt(median(va))} | ${fmt(median(vb))} | ${mannWhitney(va, vb).p.toFixed(4)}`,
  );
}
// Values pooled over windows of trials (more power than one trial at a time).
for (const [lo, hi] of [
  [0, 10],
  [10, 20],
  [20, 30],
  [30, 50],
  [50, nTrials],
]) {
  const va = keel.flatMap((r) => r.slice(lo, hi));
  const vb = optuna.flatMap((r) => r.slice(lo, hi));
  const { pBetter, p } = mannWhitney(va, vb);
  console.log(
    `trials ${lo + 1}-${hi}: median value keel ${fmt(median(va))}, Optuna ${fmt(median(vb))}, P(keel lower) ${pBetter.toFixed(3)}, MW p ${p.toFixed(4)} (pooled, not independent)`,
  );
}
if (shared) {
  for (const budget of [20, 30, 50, nTrials]) {
    const a = kb.map((r) => r[budget - 1]);
    const b = ob.map((r) => r[budget - 1]);
    const better = a.filter((v, i) => v < b[i] - 1e-9 * Math.abs(b[i])).length;
    const worse = a.filter((v, i) => v > b[i] + 1e-9 * Math.abs(b[i])).length;
    console.log(
      `paired by seed (same startup), best after ${budget}: keel better in ${better}, worse in ${worse} of ${a.length}, sign test p ${signTest(better, worse).toFixed(3)}`,
    );
  }
}
if (flags.readme) {
  const budgets = [10, 30, 50, nTrials];
  const cells = budgets.map((budget) => {
    const a = kb.map((r) => r[budget - 1]);
    const b = ob.map((r) => r[budget - 1]);
    const cell = `${median(a).toFixed(2)} / ${median(b).toFixed(2)}, p ${mannWhitney(a, b).p.toFixed(3)}`;
    if (!shared) return cell;
    // Both sides compute the objective in their own language: equal to the last bits only.
    const better = a.filter((v, i) => v < b[i] - 1e-9 * Math.abs(b[i])).length;
    const worse = a.filter((v, i) => v > b[i] + 1e-9 * Math.abs(b[i])).length;
    return `${cell}, keel better / worse in ${better} / ${worse} of ${a.length} (sign test p ${signTest(better, worse).toFixed(3)})`;
  });
  const label = `${problem}, seeds ${from}–${to - 1}, ${shared ? "shared startup" : "own startup"}${tag ? `, keel ${flags.options}` : ""}`;
  const row = `| ${label} | ${cells.join(" | ")} |`;
  const readmePath = join(root, "bench", "README.md");
  const start = "<!-- bench:tune-curve -->";
  const end = "<!-- /bench:tune-curve -->";
  let readme = readFileSync(readmePath, "utf8");
  const header = [
    `| run | best after 10: keel / Optuna median | after 30 | after 50 | after ${nTrials} |`,
    "|---|---|---|---|---|",
  ];
  const old = readme.includes(start)
    ? readme
        .slice(readme.indexOf(start) + start.length, readme.indexOf(end))
        .split("\n")
        .filter(
          (l) => l.startsWith("| ") && !l.startsWith("| run ") && !l.startsWith(`| ${label} |`),
        )
    : [];
  const note = [
    "",
    "Written by `node bench/tune/curve.mjs PROBLEM TRIALS FROM:TO [--shared-startup] --readme`: keel's default TpeSampler and Optuna 3.1's TPESampler() on the same seeds, each trial's value kept (bench/.data), medians of the best value after each budget and the Mann–Whitney p between the two sides. Own startup: each side draws its own 10 random startup trials, as in the table above. Shared startup: per seed both sides get the same 10 random startup trials (enqueued), so only the TPE phase differs and runs pair by seed; the sign test asks whether keel's run ends better in as many pairs as it ends worse (ties, equal to 1e-9, left out). Optuna's side: plain Optuna for seeds 0–199 with their own startup, optuna_runner.py --fast for the other rows (SciPy's log Φ and its inverse in Optuna's truncated normal instead of Python bisection; seeds 0 and 1 gave the same 80 values as plain Optuna to 5e-13). Quality only: the runs were made at 1-minute load 15–25 on 2 cores (wall time means nothing here).",
  ];
  const block = [start, ...header, ...old, row, ...note, end].join("\n");
  readme = readme.includes(start)
    ? readme.replace(readme.slice(readme.indexOf(start), readme.indexOf(end) + end.length), block)
    : readme.replace(
        "<!-- /bench:tune -->\n",
        `<!-- /bench:tune -->\n\n### Where keel and Optuna part: best value by trial\n\n${block}\n`,
      );
  writeFileSync(readmePath, readme);
}
