// The reliability run: `keel serve --model models:/churn@champion` under 8 concurrent
// clients for 60 s while the champion alias flips between two versions every 5 s (from this
// process, through the registry, as `keel models alias` would). Counts non-2xx answers and the
// model versions that answered, then stops the server with SIGTERM and checks that every
// answered request is in the prediction log.
// Usage: npm run build && node bench/serve/hot-swap.mjs [--seconds 60] [--flip 5]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const KEEL = join(ROOT, "dist/cli/main.js");
const DATA = join(ROOT, "data/telco_churn.csv");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 ? args[i + 1] : fallback);
};
const SECONDS = option("seconds", 60);
const FLIP = option("flip", 5);
const project = mkdtempSync(join(tmpdir(), "keel-hot-swap-"));
const { openTracking } = await import(join(ROOT, "dist/track/index.js"));
const { openServingStore } = await import(join(ROOT, "dist/serve/index.js"));
const { readFrame } = await import(join(ROOT, "dist/data/index.js"));
try {
  for (const [dir, trees] of [
    ["models/v1", 100],
    ["models/v2", 200],
  ])
    execFileSync(
      "node",
      [
        KEEL,
        "train",
        "--data",
        DATA,
        "--target",
        "churn",
        "--positive",
        "Yes",
        "--param",
        `nEstimators=${trees}`,
        "--param",
        "maxDepth=6",
        "--out",
        dir,
      ],
      { cwd: project, stdio: "ignore" },
    );
  const tracking = await openTracking({ root: project });
  await tracking.models.create("churn");
  await tracking.models.createVersion("churn", { source: "models/v1" });
  await tracking.models.createVersion("churn", { source: "models/v2" });
  await tracking.models.setAlias("churn", "champion", 1);
  const server = spawn(
    "node",
    [KEEL, "serve", "--model", "models:/churn@champion", "--port", "0"],
    {
      cwd: project,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  const url = await new Promise((resolvePromise) => {
    server.stderr.on("data", (d) => {
      err += d;
      const match = /listening on (http:\/\/\S+)/.exec(err);
      if (match) resolvePromise(match[1]);
    });
  });
  const records = (await readFrame(DATA)).drop(["churn"]).toRecords();
  const versions = new Map();
  const failures = [];
  let answered = 0;
  let running = true;
  const load = `${loadavg()[0].toFixed(1)}`;
  const worker = async (w) => {
    for (let i = 0; running; i++) {
      const response = await fetch(`${url}/v1/deployments/default/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [records[(w * 877 + i) % records.length]] }),
      });
      const text = await response.text();
      if (response.status !== 200) failures.push(`${response.status} ${text.slice(0, 200)}`);
      else {
        const { modelVersion } = JSON.parse(text);
        versions.set(modelVersion, (versions.get(modelVersion) ?? 0) + 1);
        answered++;
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => worker(w));
  let flips = 0;
  const started = Date.now();
  while (Date.now() - started < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, FLIP * 1000));
    flips++;
    await tracking.models.setAlias("churn", "champion", flips % 2 === 1 ? 2 : 1);
  }
  running = false;
  await Promise.all(workers);
  server.kill("SIGTERM");
  const code = await new Promise((r) => server.once("exit", r));
  const logged = (
    await openServingStore(tracking.database).readPredictions({
      deployment: "default",
      limit: 10_000_000,
    })
  ).length;
  await tracking.close();
  console.log(
    JSON.stringify({
      seconds: SECONDS,
      flipEverySeconds: FLIP,
      flips,
      answered,
      non2xx: failures.length,
      firstFailures: failures.slice(0, 3),
      versions: Object.fromEntries(versions),
      swapsSeen: (err.match(/moved to version/g) ?? []).length,
      exitCode: code,
      logged,
      loadAverageAtStart: load,
      loadAverageAtEnd: loadavg()[0].toFixed(1),
    }),
  );
} finally {
  rmSync(project, { recursive: true, force: true });
}
