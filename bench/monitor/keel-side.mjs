// keel's side of bench/monitor, run in its own process by run.mjs; prints one JSON line.
// Usage: node bench/monitor/keel-side.mjs DATA_DIR
import { readFileSync } from "node:fs";
import { join } from "node:path";

const keel = await import(process.env.KEEL_DIST ?? "../../dist/index.js");
const {
  Frame,
  numericColumn,
  categoricalColumn,
  ksSorted,
  wassersteinSorted,
  jensenShannonOfCounts,
  driftReport,
  renderDriftHtml,
  buildProfile,
  updateProfile,
} = keel;

const dir = process.argv[2];
const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
const f64 = (name) => new Float64Array(readFileSync(join(dir, name)).buffer.slice(0));
const i32 = (name) => new Int32Array(readFileSync(join(dir, name)).buffer.slice(0));

const sides = ["ref", "cur"].map((side) => ({
  numeric: Array.from({ length: meta.numeric }, (_, c) => f64(`${side}-n${c}.f64`)),
  codes: Array.from({ length: meta.categorical }, (_, c) => i32(`${side}-c${c}.i32`)),
}));

/** The computations numpy/scipy also do: KS and Wasserstein per numeric, JS on counts per categorical. */
function computations() {
  const out = { ks: [], wasserstein: [], jensenShannon: [] };
  for (let c = 0; c < meta.numeric; c++) {
    const a = Float64Array.from(sides[0].numeric[c]).sort();
    const b = Float64Array.from(sides[1].numeric[c]).sort();
    const ks = ksSorted(a, b);
    out.ks.push([ks.statistic, ks.pValue]);
    out.wasserstein.push(wassersteinSorted(a, b));
  }
  for (let c = 0; c < meta.categorical; c++) {
    const k = meta.levels[c];
    const r = new Float64Array(k);
    const q = new Float64Array(k);
    for (const v of sides[0].codes[c]) r[v] += 1;
    for (const v of sides[1].codes[c]) q[v] += 1;
    out.jensenShannon.push(jensenShannonOfCounts(r, q));
  }
  return out;
}

function timed(fn, repeats) {
  const wall = [];
  const cpu = [];
  let value;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    wall.push((performance.now() - t0) / 1000);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1e6);
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { value, wall: med(wall), cpu: med(cpu), best: Math.min(...wall) };
}

const comp = timed(computations, 3);

const frames = sides.map((s) =>
  Frame.fromColumns([
    ...s.numeric.map((v, c) => [`n${c}`, numericColumn(v)]),
    ...s.codes.map((v, c) => [
      `c${c}`,
      categoricalColumn(
        v,
        Array.from({ length: meta.levels[c] }, (_, i) => `v${i}`),
      ),
    ]),
  ]),
);
const report = timed(() => driftReport(frames[0], frames[1]), 3);
const html = renderDriftHtml(report.value);

// 100,000 new rows into a profile of the 1M reference rows.
const profile = buildProfile(frames[0]);
const batch = frames[1].slice(0, 100_000);
const update = timed(() => updateProfile(profile, batch), 5);

console.log(
  JSON.stringify({
    computations: { wall: comp.wall, cpu: comp.cpu, best: comp.best, values: comp.value },
    report: {
      wall: report.wall,
      cpu: report.cpu,
      drifted: Object.entries(report.value.columns)
        .filter(([, c]) => c.drifted)
        .map(([n]) => n),
      htmlBytes: Buffer.byteLength(html),
    },
    profileUpdateMs: update.wall * 1000,
    profileUpdateCpuMs: update.cpu * 1000,
    profileUpdateBestMs: update.best * 1000,
  }),
);
