// Profiles keel serve's request path: starts `keel serve` under --cpu-prof, drives it with
// autocannon (single records or 1,000-record batches), stops it, and prints the functions with
// the most self time. Usage: node bench/serve/profile.mjs MODEL_DIR [--batch] [--no-log] [--seconds 10]
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import autocannon from "autocannon";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const [model, ...rest] = process.argv.slice(2);
const batch = rest.includes("--batch");
const seconds = Number(rest[rest.indexOf("--seconds") + 1] ?? 10) || 10;
const profDir = mkdtempSync(join(tmpdir(), "keel-serve-prof-"));
const server = spawn(
  "node",
  [
    "--cpu-prof",
    `--cpu-prof-dir=${profDir}`,
    join(ROOT, "dist/cli/main.js"),
    "serve",
    "--model",
    model,
    "--port",
    "8095",
    ...(rest.includes("--no-log") ? ["--no-log"] : []),
  ],
  { cwd: dirname(model), stdio: ["ignore", "ignore", "inherit"] },
);
for (;;) {
  try {
    if ((await fetch("http://127.0.0.1:8095/ready")).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 200));
}
const { readFrame } = await import(join(ROOT, "dist/data/index.js"));
const records = (await readFrame(join(ROOT, "data/telco_churn.csv")))
  .drop(["churn"])
  .head(1000)
  .toRecords();
const bodies = batch
  ? [JSON.stringify({ records })]
  : records.slice(0, 100).map((r) => JSON.stringify({ records: [r] }));
const result = await autocannon({
  url: "http://127.0.0.1:8095",
  connections: batch ? 4 : 8,
  duration: seconds,
  headers: { "content-type": "application/json" },
  requests: bodies.map((body) => ({
    method: "POST",
    path: "/v1/deployments/default/predict",
    body,
  })),
});
process.stderr.write(`${result.requests.total / seconds} req/s, non2xx ${result.non2xx}\n`);
server.kill("SIGTERM");
await new Promise((r) => server.once("exit", r));
// The event loop's profile (thread 0): the log's writer thread writes its own file.
const files = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"));
const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
process.stderr.write(`profiles: ${files.join(", ")}; reading ${file}\n`);
const profile = JSON.parse(readFileSync(join(profDir, file), "utf8"));
const self = new Map();
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++)
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
let total = 0;
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0;
  total += t;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules|dist)\//, "$1/")}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40);
for (const [key, t] of top) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
