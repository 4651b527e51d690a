// An example feature repository: the churn story's customer and behavioural features.
// Try it from this directory:
//   keel apply
//   keel features historical --entities data/labels.csv --service churn_v1 --out training.csv
//   keel features materialize --start 2026-03-01 --end 2026-03-15
//   keel features online --features customer_stats:tenure,activity:logins_7d --entity customer_id=1001
//   keel features freshness          (alerts to alerts.jsonl for views older than their target)
//   keel run features-daily          (materialise up to now, then check freshness)
import {
  defineConfig,
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  defineOnDemandFeatureView,
  definePipeline,
  fileSource,
  freshnessStep,
  materializeStep,
  pushSource,
  requestSource,
} from "keel";

const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });

const customerStats = defineFeatureView({
  name: "customer_stats",
  entities: [customer],
  ttl: "2d",
  freshness: "1d",
  source: fileSource({ path: "data/customer_stats.csv" }),
  timestampField: "event_timestamp",
  createdTimestampField: "created",
  schema: {
    tenure: "numeric",
    recency: "numeric",
    frequency: "numeric",
    monetary: "numeric",
    plan: "categorical",
  },
  tags: { team: "growth" },
});

const activity = defineFeatureView({
  name: "activity",
  entities: [customer],
  ttl: "1d",
  source: pushSource({
    name: "activity_push",
    batchSource: fileSource({ path: "data/activity.csv" }),
  }),
  timestampField: "event_timestamp",
  schema: { page_views: "numeric", support_tickets: "numeric", logins_7d: "numeric" },
});

const orderFeatures = defineOnDemandFeatureView({
  name: "order_features",
  sources: [customerStats, requestSource({ name: "order", schema: { amount: "numeric" } })],
  schema: { amount_vs_monetary: "numeric" },
  compute: (input) => {
    const amount = input.numeric("amount");
    const monetary = input.numeric("monetary");
    return { amount_vs_monetary: amount.map((a, i) => a / (monetary[i] ?? Number.NaN)) };
  },
});

const churnV1 = defineFeatureService({
  name: "churn_v1",
  features: [customerStats, "activity:support_tickets", "activity:logins_7d"],
});

// Where stale views alert (a webhook works the same: { type: "webhook", url }).
const alertSinks = [{ type: "log" as const }, { type: "file" as const, path: "alerts.jsonl" }];

// The churn story's daily refresh: copy new feature rows online, then alert on any view still
// older than its freshness target (1 day for customer_stats).
const featuresDaily = definePipeline({
  name: "features-daily",
  schedule: "0 2 * * *",
  steps: {
    materialize: materializeStep({ retries: 2 }),
    freshness: freshnessStep({ after: ["materialize"], sinks: alertSinks }),
  },
});

export default defineConfig({
  project: "churn-features",
  entities: [customer],
  featureViews: [customerStats, activity],
  onDemandFeatureViews: [orderFeatures],
  featureServices: [churnV1],
  freshnessAlerts: { sinks: alertSinks, cooldownMinutes: 360 },
  pipelines: [featuresDaily],
});
