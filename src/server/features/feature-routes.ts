import type { FastifyPluginAsync } from "fastify";
import { type CellValue, KeelError } from "../../core/index.js";
import type { FeatureStore, OnlineFeaturesResult, PushTarget } from "../../features/index.js";
import type { RoutePlugin } from "../app.js";

const PUSH_TARGETS: readonly PushTarget[] = ["online", "offline", "online_and_offline"];

function bad(path: string, expected: string, got: unknown): KeelError {
  return new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `${path}: expected ${expected}, got ${JSON.stringify(got) ?? "nothing"}`,
    {
      details: { path, expected },
    },
  );
}

function body(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw bad("$", "a JSON object", value);
  return value as Record<string, unknown>;
}

function columns(value: unknown, path: string): Record<string, CellValue[]> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw bad(path, "an object of column arrays", value);
  for (const [name, values] of Object.entries(value)) {
    if (!Array.isArray(values)) throw bad(`${path}.${name}`, "an array of values", values);
    values.forEach((v, i) => {
      if (v !== null && !["string", "number", "boolean"].includes(typeof v))
        throw bad(`${path}.${name}[${i}]`, "a string, number, boolean or null", v);
    });
  }
  return value as Record<string, CellValue[]>;
}

function featuresOf(request: Record<string, unknown>): string[] | { service: string } {
  const service = request.feature_service;
  if (typeof service === "string") return { service };
  const features = request.features;
  if (!Array.isArray(features) || features.some((f) => typeof f !== "string")) {
    throw bad("$.features", 'an array of "view:feature" strings (or feature_service)', features);
  }
  return features as string[];
}

/**
 * The online response in Feast's JSON: `metadata.feature_names` and per name `values`,
 * `statuses` and `event_timestamps` (RFC 3339, epoch 0 when none).
 *
 * @example
 * ```ts
 * feastResponse(result).metadata.feature_names; // ["customer_id", "tenure"]
 * ```
 */
export function feastResponse(result: OnlineFeaturesResult) {
  // Formatting a date is the costliest step of a response: values of one view share their
  // event times (often one array for all its features), so each time is formatted once.
  const texts = new Map<number, string>();
  const arrays = new Map<readonly number[], string[]>();
  const format = (times: readonly number[]): string[] => {
    let out = arrays.get(times);
    if (out === undefined) {
      out = times.map((t) => {
        let text = texts.get(t);
        if (text === undefined) {
          text = new Date(t).toISOString().replace(/\.000Z$/, "Z");
          texts.set(t, text);
        }
        return text;
      });
      arrays.set(times, out);
    }
    return out;
  };
  return {
    metadata: { feature_names: result.metadata.featureNames },
    results: result.results.map((r) => ({
      values: r.values,
      statuses: r.statuses,
      event_timestamps: format(r.eventTimestamps),
    })),
  };
}

function routes(store: FeatureStore, withStatus: boolean): FastifyPluginAsync {
  return async (app) => {
    app.post("/get-online-features", async (request) => {
      const input = body(request.body);
      const result = await store.getOnlineFeatures({
        features: featuresOf(input),
        entityRows: columns(input.entities, "$.entities"),
        fullFeatureNames: input.full_feature_names === true,
      });
      return feastResponse(result);
    });
    app.post("/push", async (request) => {
      const input = body(request.body);
      const name = input.push_source_name;
      if (typeof name !== "string") throw bad("$.push_source_name", "the push source's name", name);
      const to = input.to ?? "online";
      if (!PUSH_TARGETS.includes(to as PushTarget)) throw bad("$.to", PUSH_TARGETS.join(" | "), to);
      const df = columns(input.df, "$.df");
      const names = Object.keys(df);
      const n = df[names[0] ?? ""]?.length ?? 0;
      for (const c of names)
        if ((df[c] ?? []).length !== n)
          throw bad(`$.df.${c}`, `${n} values like the other columns`, df[c]?.length);
      const rows = Array.from({ length: n }, (_, i) =>
        Object.fromEntries(names.map((c) => [c, df[c]?.[i] ?? null])),
      );
      const pushed = await store.push(name, rows, { to: to as PushTarget });
      return { push_source_name: name, view: pushed.view, rows: pushed.rows };
    });
    if (withStatus) app.get("/status", async () => ({ views: await store.status() }));
  };
}

/**
 * The feature store's HTTP routes, as plugins for `createApp({ plugins })`: Feast's
 * `POST /get-online-features` and `POST /push` (same request and response JSON) at the root,
 * and the same under `/v1/features/` with `GET /v1/features/status`.
 *
 * @example
 * ```ts
 * const app = await createApp({ tracking, plugins: featureRoutePlugins(store) });
 * ```
 */
export function featureRoutePlugins(store: FeatureStore): RoutePlugin[] {
  return [
    { prefix: "", plugin: routes(store, false) },
    { prefix: "/v1/features", plugin: routes(store, true) },
  ];
}
