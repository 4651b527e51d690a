// Several keel builds and pandas on one CSV, interleaved in one run (fresh process each, read +
// profile, wall and CPU time, load average per round), to tell a code change from the load of
// a shared machine. Build each commit in its own worktree first (`npx tsc -p tsconfig.build.json`).
//
//   node bench/read-csv/compare-builds.mjs <csv> <rounds> before=/tmp/old/dist now=./dist
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const [path, roundsText, ...specs] = process.argv.slice(2);
const rounds = Number(roundsText ?? 5);
const builds = specs.map((spec) => {
  const [name, dist] = spec.split("=");
  return { name, dist: resolve(dist) };
});
const out = Object.fromEntries([...builds.map((b) => [b.name, []]), ["pandas", []]]);
const loads = [];
const last = (stdout) => JSON.parse(stdout.trim().split("\n").at(-1));
for (let r = 0; r < rounds; r++) {
  for (const { name, dist } of builds) {
    const { stdout } = await run(process.execPath, [join(here, "keel-run-dist.mjs"), dist, path], {
      maxBuffer: 1 << 20,
    });
    const j = last(stdout);
    out[name].push({ wall: j.readWall + j.profileWall, cpu: j.readCpu + j.profileCpu });
  }
  const { stdout } = await run("/usr/bin/python3", [join(here, "pandas_run.py"), path], {
    maxBuffer: 1 << 20,
  });
  const p = last(stdout);
  out.pandas.push({ wall: p.totalSeconds, cpu: p.cpuSeconds });
  loads.push(loadavg()[0]);
  const cells = Object.entries(out).map(
    ([k, v]) => `${k} ${v.at(-1).wall.toFixed(2)}/${v.at(-1).cpu.toFixed(2)}`,
  );
  console.log(`round ${r + 1} (load ${loads.at(-1).toFixed(1)}): ${cells.join("  ")}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pandasWall = median(out.pandas.map((x) => x.wall));
const pandasCpu = median(out.pandas.map((x) => x.cpu));
for (const [name, runs] of Object.entries(out)) {
  const wall = median(runs.map((x) => x.wall));
  const cpu = median(runs.map((x) => x.cpu));
  console.log(
    `${name}: wall ${wall.toFixed(2)} s, CPU ${cpu.toFixed(2)} s, wall/pandas ${(wall / pandasWall).toFixed(2)}, CPU/pandas ${(cpu / pandasCpu).toFixed(2)}`,
  );
}
console.log(`load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
