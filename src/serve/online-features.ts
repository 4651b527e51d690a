import { type CellValue, KeelError } from "../core/index.js";
import type {
  FeatureRepo,
  FieldStatus,
  OnlineFeaturesResult,
  OnlineRequest,
} from "../features/index.js";
import type { DeploymentFeatures } from "./deployment-spec.js";
import type { ScoringRows } from "./request-formats.js";

/**
 * What serving needs of the feature store: its definitions and online reads (a
 * `FeatureStore` is one).
 *
 * @example
 * ```ts
 * const reader: OnlineFeatureReader = featureStore;
 * ```
 */
export interface OnlineFeatureReader {
  readonly repo: FeatureRepo;
  getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeaturesResult>;
}

/**
 * A deployment's feature lookup, checked against the registered definitions once: the
 * features to read and the request fields that carry the entity keys.
 *
 * @example
 * ```ts
 * const plan = featurePlan("churn", spec.features, store.repo);
 * plan.entityKeys; // ["customer_id"]
 * ```
 */
export interface FeaturePlan {
  readonly deployment: string;
  readonly features: readonly string[] | { readonly service: string };
  readonly label: string;
  readonly entityKeys: readonly string[];
  readonly names: readonly string[];
  readonly onMissing: "null" | "error";
}

/**
 * Checks a deployment's `features` section against the registered feature definitions: the
 * service or references exist, and `entityKey` (when given) names exactly the join keys the
 * views are keyed by. Any problem is `KEEL_ERR_DEPLOYMENT_INVALID` naming the deployment, so a
 * typo fails when the server starts, not on the first request.
 *
 * @example
 * ```ts
 * featurePlan("churn", { service: "churn_v1", entityKey: "customer_id" }, store.repo);
 * ```
 */
export function featurePlan(
  deployment: string,
  spec: DeploymentFeatures,
  repo: FeatureRepo,
): FeaturePlan {
  const features: readonly string[] | { service: string } =
    spec.service !== undefined ? { service: spec.service } : (spec.features ?? []);
  const label =
    spec.service !== undefined ? `feature service '${spec.service}'` : "its feature references";
  const fail = (message: string, cause?: unknown) =>
    new KeelError(
      "KEEL_ERR_DEPLOYMENT_INVALID",
      `deployment '${deployment}': $.features: ${message}`,
      { details: { deployment, features: spec }, ...(cause === undefined ? {} : { cause }) },
    );
  let pairs: [string, string][];
  try {
    pairs = repo.resolveFeatures(features);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error), error);
  }
  const joinKeys = new Set<string>();
  for (const [view] of pairs) {
    const onDemand = repo.onDemandViews.get(view);
    const sources = onDemand
      ? onDemand.sources.filter((s): s is string => typeof s === "string")
      : [view];
    for (const source of sources) for (const key of repo.view(source).joinKeys) joinKeys.add(key);
  }
  const given =
    spec.entityKey === undefined
      ? [...joinKeys]
      : typeof spec.entityKey === "string"
        ? [spec.entityKey]
        : [...spec.entityKey];
  const missing = [...joinKeys].filter((k) => !given.includes(k));
  const extra = given.filter((k) => !joinKeys.has(k));
  if (missing.length > 0 || extra.length > 0)
    throw fail(
      `entityKey ${JSON.stringify(spec.entityKey)} does not match the join keys of ${label} (${[...joinKeys].join(", ")}); the request fields must be named as the join keys`,
    );
  const names = pairs.map(([, f]) => f);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash !== undefined)
    throw fail(
      `two views of ${label} have a feature named '${clash}'; a model's input takes one value per name`,
    );
  return {
    deployment,
    features,
    label,
    entityKeys: given,
    names,
    onMissing: spec.onMissing ?? "null",
  };
}

/**
 * A request's rows with their online features merged in, and what was looked up per row.
 *
 * @example
 * ```ts
 * const { rows, looked } = await lookupFeatures(plan, store, input);
 * looked[0]?.statuses; // { tenure: "PRESENT", monetary: "OUTSIDE_MAX_AGE" }
 * ```
 */
export interface FeatureLookup {
  readonly rows: ScoringRows;
  /** Per row: the feature values read and each one's status. */
  readonly looked: readonly {
    readonly values: Readonly<Record<string, CellValue>>;
    readonly statuses: Readonly<Record<string, FieldStatus>>;
  }[];
}

/**
 * Reads the deployment's online features for every row of a request (one batched read per
 * view, keyed by the rows' entity-key fields) and merges them into the rows: a feature
 * overrides a request field of the same name (the deployment says where that value comes
 * from). A row without an entity key is `KEEL_ERR_RECORD_INVALID` at its path. A feature
 * that is `NOT_FOUND` or `OUTSIDE_MAX_AGE` (older than its view's TTL: withheld, as on every
 * online read) is a missing value (`null`) with its status reported, or, with
 * `onMissing: "error"`, `KEEL_ERR_FEATURES_STALE` naming the row, entity and features.
 *
 * @example
 * ```ts
 * const { rows } = await lookupFeatures(plan, store, parseScoringJson({ records: [{ customer_id: 1001 }] }));
 * ```
 */
export async function lookupFeatures(
  plan: FeaturePlan,
  reader: OnlineFeatureReader,
  input: ScoringRows,
  now?: number,
): Promise<FeatureLookup> {
  const records = input.rows.map((row, i) => {
    if (typeof row !== "object" || row === null || Array.isArray(row))
      throw new KeelError(
        "KEEL_ERR_RECORD_INVALID",
        `${input.paths(i).record}: expected an object with ${plan.entityKeys.join(", ")}`,
        { details: { path: input.paths(i).record, deployment: plan.deployment } },
      );
    const record = row as Record<string, unknown>;
    for (const key of plan.entityKeys) {
      const v = record[key];
      if (v === undefined || v === null || v === "")
        throw new KeelError(
          "KEEL_ERR_RECORD_INVALID",
          `${input.paths(i).field(key)} is missing: deployment '${plan.deployment}' looks up ${plan.label} by it`,
          {
            details: {
              path: input.paths(i).field(key),
              field: key,
              deployment: plan.deployment,
            },
          },
        );
    }
    return record;
  });
  const entityRows = records.map((r) => {
    const row: Record<string, CellValue> = {};
    for (const [k, v] of Object.entries(r))
      if (v === null || ["number", "string", "boolean"].includes(typeof v)) row[k] = v as CellValue;
    return row;
  });
  const result = await reader.getOnlineFeatures({
    features: plan.features,
    entityRows,
    ...(now === undefined ? {} : { now }),
  });
  const first = result.results.length - plan.names.length;
  const looked = records.map((_, i) => {
    const values: Record<string, CellValue> = {};
    const statuses: Record<string, FieldStatus> = {};
    plan.names.forEach((name, j) => {
      const column = result.results[first + j];
      values[name] = column?.values[i] ?? null;
      statuses[name] = column?.statuses[i] ?? "NOT_FOUND";
    });
    return { values, statuses };
  });
  if (plan.onMissing === "error") {
    for (let i = 0; i < looked.length; i++) {
      const bad = Object.entries(looked[i]!.statuses).filter(
        ([, s]) => s === "NOT_FOUND" || s === "OUTSIDE_MAX_AGE",
      );
      if (bad.length > 0) {
        const entity = plan.entityKeys.map((k) => `${k}=${String(records[i]![k])}`).join(", ");
        throw new KeelError(
          "KEEL_ERR_FEATURES_STALE",
          `${input.paths(i).record} (${entity}): deployment '${plan.deployment}' requires its features, but ${bad.map(([n, s]) => `${n} is ${s}`).join(", ")}`,
          {
            details: {
              path: input.paths(i).record,
              deployment: plan.deployment,
              entity: Object.fromEntries(plan.entityKeys.map((k) => [k, records[i]![k]])),
              statuses: Object.fromEntries(bad),
            },
          },
        );
      }
    }
  }
  return {
    rows: { ...input, rows: records.map((r, i) => ({ ...r, ...looked[i]!.values })) },
    looked,
  };
}

/**
 * What the prediction log keeps as a looked-up row's input: its entity keys, the record as
 * scored, every looked-up feature value (also those the model does not take), and, when a
 * feature was not `PRESENT`, `_featureStatus` with those features' statuses. Monitoring reads
 * the fields of the model's signature and ignores the rest.
 *
 * @example
 * ```ts
 * loggedFeatureInputs(plan, lookup, records)[0];
 * // { customer_id: 1001, tenure: 12, monetary: null, _featureStatus: { monetary: "OUTSIDE_MAX_AGE" } }
 * ```
 */
export function loggedFeatureInputs(
  plan: FeaturePlan,
  lookup: FeatureLookup,
  records: readonly Readonly<Record<string, unknown>>[],
): Readonly<Record<string, unknown>>[] {
  return records.map((record, i) => {
    const raw = lookup.rows.rows[i] as Record<string, unknown>;
    const looked = lookup.looked[i]!;
    const keys = Object.fromEntries(plan.entityKeys.map((k) => [k, raw[k]]));
    const notPresent = Object.entries(looked.statuses).filter(([, s]) => s !== "PRESENT");
    return {
      ...keys,
      ...record,
      ...looked.values,
      ...(notPresent.length > 0 ? { _featureStatus: Object.fromEntries(notPresent) } : {}),
    };
  });
}
