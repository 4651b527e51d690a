import type { Column, ColumnKind, Frame } from "../core/index.js";
import { callSite } from "./call-site.js";
import type { FeatureSource, RequestSource } from "./sources.js";

/** A duration: seconds, or a string such as `"1d"`, `"2h"`, `"30m"`. */
export type Duration = number | string;

/**
 * What an entity is keyed by (a customer by `customer_id`; an order line by two keys).
 *
 * @example
 * ```ts
 * const customer: Entity = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
 * ```
 */
export interface Entity {
  readonly type: "entity";
  readonly name: string;
  readonly joinKeys: readonly string[];
  readonly description?: string;
  /** `file:line:column` of the `defineEntity` call, for error messages. */
  readonly definedAt?: string;
}

/**
 * A group of features read from one source and keyed by one or more entities.
 *
 * @example
 * ```ts
 * const view: FeatureView = defineFeatureView({
 *   name: "customer_stats", entities: [customer], ttl: "1d",
 *   source: fileSource({ path: "data/customer_stats.csv" }), timestampField: "event_timestamp",
 *   schema: { tenure: "numeric", plan: "categorical" },
 * });
 * ```
 */
export interface FeatureView<S extends Record<string, ColumnKind> = Record<string, ColumnKind>> {
  readonly type: "featureView";
  readonly name: string;
  /** Entity names (entity objects given to {@link defineFeatureView} are turned into names). */
  readonly entities: readonly string[];
  /** As given; validated into seconds when the config loads (0 or absent: no limit). */
  readonly ttl: Duration;
  readonly source: FeatureSource;
  readonly timestampField: string;
  readonly createdTimestampField?: string;
  readonly schema: S;
  readonly online: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** How stale the view's online data may get before `keel features status` flags it. Default: the TTL. */
  readonly freshness?: Duration;
  readonly description?: string;
  readonly definedAt?: string;
}

/**
 * Features computed by a TypeScript function from request data and other views' features; the
 * same function runs on historical retrieval and online reads.
 *
 * @example
 * ```ts
 * const odfv: OnDemandFeatureView = defineOnDemandFeatureView({
 *   name: "order_ratio", sources: [customerStats, orderRequest], schema: { ratio: "numeric" },
 *   compute: (input) => ({ ratio: input.numeric("amount").map((a, i) => a / (input.numeric("monetary")[i] ?? 1)) }),
 * });
 * ```
 */
export interface OnDemandFeatureView {
  readonly type: "onDemandFeatureView";
  readonly name: string;
  readonly sources: readonly (string | RequestSource)[];
  readonly schema: Readonly<Record<string, ColumnKind>>;
  readonly compute: OnDemandCompute;
  readonly definedAt?: string;
}

/**
 * The function of an on-demand view: given a Frame holding the request fields and the source
 * views' features (by plain feature name), returns one column (or array) per output feature.
 */
export type OnDemandCompute = (
  input: Frame,
) => Readonly<Record<string, Column | ArrayLike<number | string | boolean | null>>>;

/**
 * The set of features a model uses, by reference (`"view:feature"`) or whole views.
 *
 * @example
 * ```ts
 * const service: FeatureService = defineFeatureService({ name: "churn_v1", features: [customerStats, "activity:logins_7d"] });
 * ```
 */
export interface FeatureService {
  readonly type: "featureService";
  readonly name: string;
  /** `"view:feature"` references; a whole view given as an object becomes `"view:*"`. */
  readonly features: readonly string[];
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly definedAt?: string;
}

const at = (): { definedAt?: string } => {
  const where = callSite();
  return where === undefined ? {} : { definedAt: where };
};

/**
 * Declares an entity. Validation (names, duplicates) happens when the config loads, so every
 * problem is reported at once with its line.
 *
 * @example
 * ```ts
 * const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
 * ```
 */
export function defineEntity(options: {
  name: string;
  joinKeys: readonly string[];
  description?: string;
}): Entity {
  return { type: "entity", ...options, ...at() };
}

/**
 * Declares a feature view. `ttl` bounds how old a feature row may be for an entity row
 * (historical) or a read (online); `0` or absent means no limit.
 *
 * @example
 * ```ts
 * const stats = defineFeatureView({
 *   name: "customer_stats", entities: [customer], ttl: "1d",
 *   source: fileSource({ path: "data/customer_stats.parquet" }), timestampField: "event_timestamp",
 *   schema: { tenure: "numeric", monetary: "numeric" }, online: true, tags: { team: "growth" },
 * });
 * ```
 */
export function defineFeatureView<const S extends Record<string, ColumnKind>>(options: {
  name: string;
  entities: readonly (Entity | string)[];
  ttl?: Duration;
  source: FeatureSource;
  timestampField: string;
  createdTimestampField?: string;
  schema: S;
  online?: boolean;
  tags?: Readonly<Record<string, string>>;
  freshness?: Duration;
  description?: string;
}): FeatureView<S> {
  const { entities, ttl, online, tags, ...rest } = options;
  return {
    type: "featureView",
    ...rest,
    entities: (entities ?? []).map((e) => (typeof e === "string" ? e : e?.name)),
    ttl: ttl ?? 0,
    online: online ?? true,
    tags: tags ?? {},
    ...at(),
  };
}

/**
 * Declares an on-demand feature view.
 *
 * @example
 * ```ts
 * defineOnDemandFeatureView({
 *   name: "spend_ratio", sources: [stats, requestSource({ name: "req", schema: { amount: "numeric" } })],
 *   schema: { ratio: "numeric" },
 *   compute: (f) => ({ ratio: Float64Array.from(f.numeric("amount"), (a, i) => a / (f.numeric("monetary")[i] ?? Number.NaN)) }),
 * });
 * ```
 */
export function defineOnDemandFeatureView(options: {
  name: string;
  sources: readonly (FeatureView | RequestSource | string)[];
  schema: Readonly<Record<string, ColumnKind>>;
  compute: OnDemandCompute;
}): OnDemandFeatureView {
  return {
    type: "onDemandFeatureView",
    name: options.name,
    sources: (options.sources ?? []).map((s) =>
      typeof s === "string" ? s : s.type === "featureView" ? s.name : s,
    ),
    schema: options.schema,
    compute: options.compute,
    ...at(),
  };
}

/**
 * Declares a feature service: the named set of features one model reads.
 *
 * @example
 * ```ts
 * defineFeatureService({ name: "churn_v1", features: [stats, "activity:logins_7d"] });
 * ```
 */
export function defineFeatureService(options: {
  name: string;
  features: readonly (FeatureView | OnDemandFeatureView | string)[];
  description?: string;
  tags?: Readonly<Record<string, string>>;
}): FeatureService {
  return {
    type: "featureService",
    name: options.name,
    features: (options.features ?? []).map((f) => (typeof f === "string" ? f : `${f.name}:*`)),
    ...(options.description === undefined ? {} : { description: options.description }),
    tags: options.tags ?? {},
    ...at(),
  };
}
