import { type ColumnKind, closestNames, describeValue, KeelError } from "../core/index.js";
import type { Entity, FeatureService, FeatureView, OnDemandFeatureView } from "./definitions.js";
import { durationSeconds } from "./duration.js";
import type { RequestSource } from "./sources.js";

/**
 * The feature definitions of a project, as `defineConfig` takes them.
 *
 * @example
 * ```ts
 * const definitions: FeatureDefinitions = { entities: [customer], featureViews: [stats] };
 * ```
 */
export interface FeatureDefinitions {
  readonly entities?: readonly Entity[];
  readonly featureViews?: readonly FeatureView[];
  readonly onDemandFeatureViews?: readonly OnDemandFeatureView[];
  readonly featureServices?: readonly FeatureService[];
}

/** One feature of a view. @example `{ name: "tenure", kind: "numeric" }` */
export interface FeatureField {
  readonly name: string;
  readonly kind: ColumnKind;
}

/**
 * A validated feature view: TTL and freshness in seconds, join keys from its entities, its
 * features in schema order.
 *
 * @example
 * ```ts
 * repo.view("customer_stats").ttlSeconds; // 86400
 * ```
 */
export interface ResolvedView {
  readonly name: string;
  readonly definition: FeatureView;
  readonly joinKeys: readonly string[];
  readonly ttlSeconds: number;
  readonly freshnessSeconds: number;
  readonly features: readonly FeatureField[];
}

const KINDS: readonly ColumnKind[] = ["numeric", "categorical", "boolean", "timestamp", "string"];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A validated, indexed set of feature definitions. Build it with {@link FeatureRepo.from},
 * which collects every problem (unknown entity, duplicate name, bad TTL, unknown schema
 * kind, feature service naming an unknown feature…) and throws one
 * `KEEL_ERR_FEATURE_DEFINITION` listing them all, each with the `file:line` that defined it.
 *
 * @example
 * ```ts
 * const repo = FeatureRepo.from({ entities: [customer], featureViews: [stats] }, "/project");
 * repo.view("customer_stats").joinKeys; // ["customer_id"]
 * ```
 */
export class FeatureRepo {
  readonly root: string;
  readonly entities: ReadonlyMap<string, Entity>;
  readonly views: ReadonlyMap<string, ResolvedView>;
  readonly onDemandViews: ReadonlyMap<string, OnDemandFeatureView>;
  readonly services: ReadonlyMap<string, FeatureService>;

  private constructor(
    root: string,
    entities: Map<string, Entity>,
    views: Map<string, ResolvedView>,
    onDemand: Map<string, OnDemandFeatureView>,
    services: Map<string, FeatureService>,
  ) {
    this.root = root;
    this.entities = entities;
    this.views = views;
    this.onDemandViews = onDemand;
    this.services = services;
  }

  /**
   * Validates definitions; `root` is the directory file sources are relative to (the config
   * file's directory).
   *
   * @example
   * ```ts
   * const repo = FeatureRepo.from(config, dirname(configFile));
   * ```
   */
  static from(definitions: FeatureDefinitions, root: string): FeatureRepo {
    const issues: string[] = [];
    const entities = new Map<string, Entity>();
    const place = (definedAt: string | undefined, fallback: string) => definedAt ?? fallback;
    const list = <T>(value: readonly T[] | undefined, key: string): readonly T[] => {
      if (value === undefined) return [];
      if (!Array.isArray(value)) {
        issues.push(`${key}: expected an array, got ${describeValue(value)}`);
        return [];
      }
      return value;
    };
    const checkName = (name: unknown, where: string, what: string): name is string => {
      if (typeof name === "string" && NAME.test(name)) return true;
      issues.push(
        `${where}: ${what} name must be letters, digits and _ (not starting with a digit), got ${describeValue(name)}`,
      );
      return false;
    };
    const taken = new Map<string, string>();
    const claim = (name: string, where: string, what: string) => {
      const previous = taken.get(name);
      if (previous !== undefined)
        issues.push(`${where}: ${what} '${name}' is defined twice (also at ${previous})`);
      else taken.set(name, where);
    };

    list(definitions.entities, "entities").forEach((entity, i) => {
      const where = place(entity?.definedAt, `entities[${i}]`);
      if (entity?.type !== "entity") {
        issues.push(`${where}: expected defineEntity(...), got ${describeValue(entity)}`);
        return;
      }
      if (!checkName(entity.name, where, "entity")) return;
      if (entities.has(entity.name))
        issues.push(`${where}: entity '${entity.name}' is defined twice`);
      if (!Array.isArray(entity.joinKeys) || entity.joinKeys.length === 0) {
        issues.push(`${where}: entity '${entity.name}' needs at least one join key`);
      } else {
        for (const key of entity.joinKeys)
          checkName(key, where, `entity '${entity.name}' join key`);
      }
      entities.set(entity.name, entity);
    });

    const views = new Map<string, ResolvedView>();
    const pushNames = new Map<string, string>();
    list(definitions.featureViews, "featureViews").forEach((view, i) => {
      const where = place(view?.definedAt, `featureViews[${i}]`);
      if (view?.type !== "featureView") {
        issues.push(`${where}: expected defineFeatureView(...), got ${describeValue(view)}`);
        return;
      }
      if (!checkName(view.name, where, "feature view")) return;
      const label = `feature view '${view.name}'`;
      claim(view.name, where, "feature view");
      const joinKeys: string[] = [];
      if (!Array.isArray(view.entities) || view.entities.length === 0)
        issues.push(`${where}: ${label} needs at least one entity`);
      for (const name of view.entities ?? []) {
        const entity = typeof name === "string" ? entities.get(name) : undefined;
        if (entity === undefined) {
          const near = closestNames(String(name), [...entities.keys()]);
          issues.push(
            `${where}: ${label} names unknown entity ${describeValue(name)}${near.length > 0 ? ` (did you mean ${near.map((n) => `'${n}'`).join(", ")}?)` : ""}; entities: ${[...entities.keys()].join(", ") || "none"}`,
          );
        } else joinKeys.push(...entity.joinKeys);
      }
      let ttlSeconds = 0;
      let freshnessSeconds = 0;
      try {
        ttlSeconds = durationSeconds(view.ttl, `${where}: ${label} ttl`);
        freshnessSeconds =
          view.freshness === undefined
            ? ttlSeconds
            : durationSeconds(view.freshness, `${where}: ${label} freshness`);
      } catch (error) {
        issues.push((error as Error).message);
      }
      if (typeof view.timestampField !== "string" || view.timestampField === "")
        issues.push(
          `${where}: ${label} needs timestampField (the column holding each row's event time)`,
        );
      issues.push(...sourceIssues(view, where, label, pushNames));
      const features: FeatureField[] = [];
      if (
        typeof view.schema !== "object" ||
        view.schema === null ||
        Object.keys(view.schema).length === 0
      ) {
        issues.push(`${where}: ${label} needs a schema with at least one feature`);
      } else {
        for (const [name, kind] of Object.entries(view.schema)) {
          if (!checkName(name, where, `${label} feature`)) continue;
          if (!KINDS.includes(kind))
            issues.push(
              `${where}: ${label} feature '${name}' has kind ${describeValue(kind)}; expected one of ${KINDS.join(", ")}`,
            );
          if (joinKeys.includes(name) || name === view.timestampField)
            issues.push(
              `${where}: ${label} lists '${name}' as a feature, but it is a join key or the timestamp field`,
            );
          features.push({ name, kind });
        }
      }
      views.set(view.name, {
        name: view.name,
        definition: view,
        joinKeys,
        ttlSeconds,
        freshnessSeconds,
        features,
      });
    });

    const onDemand = new Map<string, OnDemandFeatureView>();
    list(definitions.onDemandFeatureViews, "onDemandFeatureViews").forEach((view, i) => {
      const where = place(view?.definedAt, `onDemandFeatureViews[${i}]`);
      if (view?.type !== "onDemandFeatureView") {
        issues.push(
          `${where}: expected defineOnDemandFeatureView(...), got ${describeValue(view)}`,
        );
        return;
      }
      if (!checkName(view.name, where, "on-demand feature view")) return;
      claim(view.name, where, "feature view");
      if (typeof view.compute !== "function")
        issues.push(`${where}: on-demand feature view '${view.name}' needs a compute function`);
      for (const source of view.sources ?? []) {
        if (typeof source === "string" && !views.has(source))
          issues.push(
            `${where}: on-demand feature view '${view.name}' reads unknown feature view '${source}'`,
          );
        if (typeof source !== "string" && (source as RequestSource).type !== "request")
          issues.push(
            `${where}: on-demand feature view '${view.name}' has a source that is neither a feature view nor requestSource(...)`,
          );
      }
      for (const [name, kind] of Object.entries(view.schema ?? {})) {
        if (!KINDS.includes(kind))
          issues.push(
            `${where}: on-demand feature '${view.name}:${name}' has kind ${describeValue(kind)}`,
          );
      }
      onDemand.set(view.name, view);
    });

    const services = new Map<string, FeatureService>();
    const repo = new FeatureRepo(root, entities, views, onDemand, services);
    list(definitions.featureServices, "featureServices").forEach((service, i) => {
      const where = place(service?.definedAt, `featureServices[${i}]`);
      if (service?.type !== "featureService") {
        issues.push(`${where}: expected defineFeatureService(...), got ${describeValue(service)}`);
        return;
      }
      if (!checkName(service.name, where, "feature service")) return;
      if (services.has(service.name))
        issues.push(`${where}: feature service '${service.name}' is defined twice`);
      for (const ref of service.features ?? []) {
        try {
          repo.expandRef(ref);
        } catch (error) {
          issues.push(`${where}: feature service '${service.name}': ${(error as Error).message}`);
        }
      }
      services.set(service.name, service);
    });

    if (issues.length > 0) {
      throw new KeelError(
        "KEEL_ERR_FEATURE_DEFINITION",
        `${issues.length} problem${issues.length === 1 ? "" : "s"} in the feature definitions:\n  ${issues.join("\n  ")}`,
        { details: { issues } },
      );
    }
    return repo;
  }

  /**
   * The view of that name, or `KEEL_ERR_FEATURE_NOT_FOUND` with the closest names.
   *
   * @example
   * ```ts
   * repo.view("customer_stats").features.map((f) => f.name);
   * ```
   */
  view(name: string): ResolvedView {
    const view = this.views.get(name);
    if (view === undefined) throw unknown("feature view", name, [...this.views.keys()]);
    return view;
  }

  /**
   * Expands one reference (`"view:feature"`, `"view:*"`) into `[view, feature]` pairs.
   *
   * @example
   * ```ts
   * repo.expandRef("customer_stats:*"); // [["customer_stats", "tenure"], ["customer_stats", "monetary"]]
   * ```
   */
  expandRef(ref: string): [string, string][] {
    const match = typeof ref === "string" ? /^([^:]+):([^:]+)$/.exec(ref) : null;
    if (match === null) {
      throw new KeelError(
        "KEEL_ERR_FEATURE_NOT_FOUND",
        `feature reference ${describeValue(ref)} is not of the form 'view:feature'`,
        { details: { reference: ref } },
      );
    }
    const [, viewName = "", feature = ""] = match;
    const onDemand = this.onDemandViews.get(viewName);
    const names = onDemand
      ? Object.keys(onDemand.schema)
      : (this.views.get(viewName) ?? { features: [] }).features.map((f) => f.name);
    if (onDemand === undefined && !this.views.has(viewName)) {
      throw unknown(
        "feature view",
        viewName,
        [...this.views.keys(), ...this.onDemandViews.keys()],
        ref,
      );
    }
    if (feature === "*") return names.map((name) => [viewName, name]);
    if (!names.includes(feature))
      throw unknown(`feature of view '${viewName}'`, feature, names, ref);
    return [[viewName, feature]];
  }

  /**
   * The `[view, feature]` pairs a request asks for: a list of references or a feature
   * service name, in order, without repeats.
   *
   * @example
   * ```ts
   * repo.resolveFeatures(["customer_stats:tenure"]);
   * repo.resolveFeatures({ service: "churn_v1" });
   * ```
   */
  resolveFeatures(features: readonly string[] | { readonly service: string }): [string, string][] {
    let refs: readonly string[];
    if (Array.isArray(features)) refs = features;
    else {
      const name = (features as { service: string }).service;
      const service = this.services.get(name);
      if (service === undefined) throw unknown("feature service", name, [...this.services.keys()]);
      refs = service.features;
    }
    if (refs.length === 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        "no features requested: pass at least one 'view:feature'",
        {
          details: { features: [] },
        },
      );
    }
    const seen = new Set<string>();
    const out: [string, string][] = [];
    for (const ref of refs) {
      for (const pair of this.expandRef(ref)) {
        const key = pair.join(":");
        if (!seen.has(key)) {
          seen.add(key);
          out.push(pair);
        }
      }
    }
    return out;
  }
}

function unknown(what: string, name: string, known: readonly string[], ref?: string): KeelError {
  const near = closestNames(name, known);
  return new KeelError(
    "KEEL_ERR_FEATURE_NOT_FOUND",
    `unknown ${what} '${name}'${ref === undefined ? "" : ` in '${ref}'`}${near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(", ")}?` : ""} (known: ${known.join(", ") || "none"})`,
    {
      details: {
        [what.startsWith("feature of") ? "feature" : "name"]: name,
        known,
        ...(ref ? { reference: ref } : {}),
      },
    },
  );
}

function sourceIssues(
  view: FeatureView,
  where: string,
  label: string,
  pushNames: Map<string, string>,
): string[] {
  const source = view.source;
  const issues: string[] = [];
  const batch = (s: unknown, path: string) => {
    const b = s as { type?: unknown; path?: unknown; query?: unknown } | undefined;
    if (b?.type === "file") {
      if (typeof b.path !== "string" || !/\.(csv|parquet|pq)$/i.test(b.path))
        issues.push(
          `${where}: ${label} ${path}: fileSource path must be a .csv or .parquet file, got ${describeValue(b.path)}`,
        );
    } else if (b?.type === "sql" || b?.type === "postgres") {
      if (typeof b.query !== "string" || b.query.trim() === "")
        issues.push(`${where}: ${label} ${path}: needs a non-empty query`);
    } else {
      issues.push(
        `${where}: ${label} ${path} must be fileSource(...), sqlSource(...), postgresSource(...) or pushSource(...), got ${describeValue(s)}`,
      );
    }
  };
  if (source?.type === "push") {
    if (typeof source.name !== "string" || !NAME.test(source.name))
      issues.push(`${where}: ${label} pushSource needs a name of letters, digits and _`);
    else if (pushNames.has(source.name))
      issues.push(
        `${where}: push source '${source.name}' is used by two views ('${pushNames.get(source.name)}' and '${view.name}')`,
      );
    else pushNames.set(source.name, view.name);
    if (source.batchSource !== undefined) batch(source.batchSource, "batchSource");
  } else batch(source, "source");
  return issues;
}
