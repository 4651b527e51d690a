// Two builds of `keel serve` side by side, driven in interleaved rounds by autocannon with the
// same bodies: server CPU per request (process and event loop, from /proc) and the rate. On a
// busy machine the rate moves with the neighbours; CPU per request is the figure to compare.
// Usage: node bench/serve/http-ab.mjs MODEL_DIR OLD_DIST NEW_DIST [--batch] [--seconds 5] [--rounds 3] [--log]
// (OLD_DIST: a build of the commit before, e.g. `git archive BASE | tar -x -C /tmp/old` and
// `npx tsc -p tsconfig.build.json` there.)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import autocannon from "autocannon";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const [model, oldDist, newDist] = args.slice(0, 3).map((p) => resolve(p));
const BATCH = args.includes("--batch");
const SECONDS = Number(arg("--seconds", 5));
const ROUNDS = Number(arg("--rounds", 3));
const { readFrame } = await import(join(newDist, "data/index.js"));
const records = (await readFrame(join(ROOT, "data/telco_churn.csv")))
  .drop(["churn"])
  .head(1000)
  .toRecords();
const bodies = BATCH
  ? [JSON.stringify({ records })]
  : records.slice(0, 100).map((r) => JSON.stringify({ records: [r] }));
const rowsPerRequest = BATCH ? 1000 : 1;

function cpuSeconds(pid, mainThread) {
  const path = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const stat = readFileSync(path, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}
async function serve(dist, port) {
  const child = spawn(
    "node",
    [join(dist, "cli/main.js"), "serve", "--model", model, "--port", String(port)].concat(
      args.includes("--log") ? [] : ["--no-log"],
    ),
    { cwd: dirname(model), stdio: ["ignore", "ignore", "inherit"] },
  );
  for (let i = 0; i < 600; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${dist} did not come up`);
}
const run = (port, duration) =>
  autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: BATCH ? 4 : 8,
    duration,
    requests: bodies.map((body) => ({
      method: "POST",
      path: "/v1/deployments/default/predict",
      body,
    })),
    headers: { "content-type": "application/json" },
  });
const servers = { old: await serve(oldDist, 8411), new: await serve(newDist, 8412) };
const ports = { old: 8411, new: 8412 };
const rows = { old: [], new: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? ["old", "new"] : ["new", "old"]) {
      const pid = servers[name].pid;
      await run(ports[name], 1);
      const c0 = cpuSeconds(pid, false);
      const l0 = cpuSeconds(pid, true);
      const r = await run(ports[name], SECONDS);
      const n = r.requests.total;
      const row = {
        rowsPerSec: Math.round((n * rowsPerRequest) / SECONDS),
        cpuMsPerRequest: ((cpuSeconds(pid, false) - c0) * 1000) / n,
        loopCpuMsPerRequest: ((cpuSeconds(pid, true) - l0) * 1000) / n,
        p99: r.latency.p99,
        non2xx: r.non2xx,
      };
      rows[name].push(row);
      console.log(
        `${name} round ${round + 1}: ${row.rowsPerSec} rows/s, server CPU ${row.cpuMsPerRequest.toFixed(3)} ms/request (event loop ${row.loopCpuMsPerRequest.toFixed(3)}), p99 ${row.p99} ms, non2xx ${row.non2xx}`,
      );
    }
  }
} finally {
  for (const child of Object.values(servers)) child.kill("SIGTERM");
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const name of ["old", "new"]) {
  const loop = median(rows[name].map((r) => r.loopCpuMsPerRequest));
  console.log(
    `${name}: median event-loop CPU ${loop.toFixed(3)} ms per request = ${Math.round((rowsPerRequest * 1000) / loop).toLocaleString("en")} rows per event-loop CPU-second`,
  );
}
