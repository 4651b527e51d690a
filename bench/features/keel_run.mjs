// One timed keel point-in-time join (same files, same rule as pandas_run.py), in its own
// process so its peak RSS is its own. Prints one JSON line.
import { dirname, join } from "node:path";

const [dist, entities, features, ttl] = process.argv.slice(2);
const keel = await import(join(dist, "index.js"));
const entity = keel.defineEntity({ name: "e", joinKeys: ["entity_id"] });
const view = keel.defineFeatureView({
  name: "v",
  entities: [entity],
  ttl: Number(ttl),
  source: keel.fileSource({ path: features }),
  timestampField: "ts",
  schema: { f0: "numeric", f1: "numeric", f2: "numeric", f3: "numeric", f4: "numeric" },
});
const repo = keel.FeatureRepo.from({ entities: [entity], featureViews: [view] }, dirname(features));
const started = performance.now();
const cpu = process.cpuUsage();
const frame = await keel.duckDbOfflineStore().historical(repo, {
  entityRows: entities,
  features: ["f0", "f1", "f2", "f3", "f4"].map((f) => ["v", f]),
  fullFeatureNames: false,
});
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const f0 = frame.numeric("f0");
let sum = 0;
let missing = 0;
for (const v of f0)
  if (Number.isNaN(v)) missing++;
  else sum += v;
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rows: frame.nRows,
    f0Sum: sum,
    f0Missing: missing,
  }),
);
