import { createHash } from "node:crypto";
import { KeelError } from "../core/index.js";
import type { MetadataDatabase } from "../store/index.js";
import type { Entity, FeatureService, FeatureView, OnDemandFeatureView } from "./definitions.js";
import type { FeatureDefinitions } from "./feature-repo.js";

/** The kinds of definition the registry versions. */
export type DefinitionKind = "entity" | "featureView" | "onDemandFeatureView" | "featureService";

/**
 * One change `keel apply` would make (or made).
 *
 * @example
 * ```ts
 * const change: DefinitionChange = { kind: "featureView", name: "stats", action: "changed", fromVersion: 1, toVersion: 2, fields: ["ttl"] };
 * ```
 */
export interface DefinitionChange {
  readonly kind: DefinitionKind;
  readonly name: string;
  readonly action: "added" | "changed" | "removed" | "unchanged";
  readonly fromVersion: number | null;
  readonly toVersion: number | null;
  /** Top-level fields whose value differs from the registered version. */
  readonly fields: readonly string[];
}

/**
 * One registered version of a definition.
 *
 * @example
 * ```ts
 * const v: DefinitionVersion = { kind: "featureView", name: "stats", version: 1, spec: {…}, digest: "ab12…", comment: "", createdAt: 0, deleted: false };
 * ```
 */
export interface DefinitionVersion {
  readonly kind: DefinitionKind;
  readonly name: string;
  readonly version: number;
  readonly spec: Record<string, unknown>;
  readonly digest: string;
  readonly comment: string;
  readonly createdAt: number;
  readonly deleted: boolean;
}

/**
 * Freshness state of one view (epoch ms).
 *
 * @example
 * ```ts
 * const state: ViewState = { view: "stats", materializedUntil: null, lastMaterializedAt: null, lastPushAt: null, lastPushedEvent: null, newestEvent: null };
 * ```
 */
export interface ViewState {
  readonly view: string;
  readonly materializedUntil: number | null;
  readonly lastMaterializedAt: number | null;
  readonly lastPushAt: number | null;
  readonly lastPushedEvent: number | null;
  /** The newest event time materialised. */
  readonly newestEvent: number | null;
}

const DELETED = { deleted: true };

/** A definition as stored: plain JSON without the call site; a compute function as its source text. */
function specOf(
  definition: Entity | FeatureView | OnDemandFeatureView | FeatureService,
): Record<string, unknown> {
  const { definedAt: _ignored, ...rest } = definition as unknown as Record<string, unknown>;
  if (definition.type === "onDemandFeatureView")
    return { ...rest, compute: String(definition.compute) };
  return rest;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The feature registry in the metadata store (SQLite or PostgreSQL): every applied version of
 * every definition, immutable; `apply` adds a version only for what changed; `rollback`
 * re-applies an old version as a new one, so history is never rewritten. Also keeps each
 * view's freshness state and materialisation log.
 *
 * @example
 * ```ts
 * const registry = new FeatureRegistry(await openDatabase({ root: "." }));
 * const changes = await registry.apply(config);
 * ```
 */
export class FeatureRegistry {
  readonly #store: MetadataDatabase;

  constructor(store: MetadataDatabase) {
    this.#store = store;
  }

  /**
   * What `apply` would change, without writing.
   *
   * @example
   * ```ts
   * (await registry.plan(config)).filter((c) => c.action !== "unchanged");
   * ```
   */
  async plan(definitions: FeatureDefinitions): Promise<DefinitionChange[]> {
    const current = await this.#currentVersions();
    const changes: DefinitionChange[] = [];
    const seen = new Set<string>();
    for (const definition of allDefinitions(definitions)) {
      const key = `${definition.type}:${definition.name}`;
      seen.add(key);
      const spec = specOf(definition);
      const registered = current.get(key);
      if (registered === undefined || registered.deleted) {
        changes.push({
          kind: definition.type,
          name: definition.name,
          action: "added",
          fromVersion: registered?.version ?? null,
          toVersion: (registered?.version ?? 0) + 1,
          fields: Object.keys(spec),
        });
      } else if (registered.digest !== digest(spec)) {
        const fields = [...new Set([...Object.keys(spec), ...Object.keys(registered.spec)])].filter(
          (f) => canonical(spec[f]) !== canonical(registered.spec[f]),
        );
        changes.push({
          kind: definition.type,
          name: definition.name,
          action: "changed",
          fromVersion: registered.version,
          toVersion: registered.version + 1,
          fields,
        });
      } else {
        changes.push({
          kind: definition.type,
          name: definition.name,
          action: "unchanged",
          fromVersion: registered.version,
          toVersion: registered.version,
          fields: [],
        });
      }
    }
    for (const [key, registered] of current) {
      if (!seen.has(key) && !registered.deleted) {
        changes.push({
          kind: registered.kind,
          name: registered.name,
          action: "removed",
          fromVersion: registered.version,
          toVersion: registered.version + 1,
          fields: [],
        });
      }
    }
    return changes;
  }

  /**
   * Stores a new version of every added, changed or removed definition in one transaction and
   * returns the plan it carried out.
   *
   * @example
   * ```ts
   * await registry.apply(config, "add monetary");
   * ```
   */
  async apply(definitions: FeatureDefinitions, comment = ""): Promise<DefinitionChange[]> {
    const byKey = new Map(allDefinitions(definitions).map((d) => [`${d.type}:${d.name}`, d]));
    const changes = await this.plan(definitions);
    const now = Date.now();
    await this.#store.write(async (tx) => {
      for (const change of changes) {
        if (change.action === "unchanged" || change.toVersion === null) continue;
        const definition = byKey.get(`${change.kind}:${change.name}`);
        const spec = definition === undefined ? DELETED : specOf(definition);
        await tx
          .insertInto("feature_definitions")
          .values({
            kind: change.kind,
            name: change.name,
            version: change.toVersion,
            spec: JSON.stringify(spec),
            digest: digest(spec),
            comment,
            created_at: now,
          })
          .execute();
      }
    });
    return changes;
  }

  /**
   * Every version of one definition, oldest first.
   *
   * @example
   * ```ts
   * await registry.history("featureView", "customer_stats");
   * ```
   */
  async history(kind: DefinitionKind, name: string): Promise<DefinitionVersion[]> {
    const rows = await this.#store.db
      .selectFrom("feature_definitions")
      .selectAll()
      .where("kind", "=", kind)
      .where("name", "=", name)
      .orderBy("version")
      .execute();
    return rows.map(toVersion);
  }

  /**
   * Makes version `to` current again by storing its spec as a new version.
   *
   * @example
   * ```ts
   * await registry.rollback("featureView", "customer_stats", 1); // returns the new version
   * ```
   */
  async rollback(kind: DefinitionKind, name: string, to: number): Promise<DefinitionVersion> {
    return this.#store.write(async (tx) => {
      const rows = await tx
        .selectFrom("feature_definitions")
        .selectAll()
        .where("kind", "=", kind)
        .where("name", "=", name)
        .orderBy("version")
        .execute();
      const target = rows.find((r) => Number(r.version) === to);
      if (target === undefined) {
        throw new KeelError(
          "KEEL_ERR_NOT_FOUND",
          rows.length === 0
            ? `no ${kind} '${name}' is registered; run keel apply first`
            : `${kind} '${name}' has no version ${to} (versions 1-${rows.length})`,
          { details: { kind, name, version: to } },
        );
      }
      const version = Number(rows.at(-1)?.version ?? 0) + 1;
      const row = {
        kind,
        name,
        version,
        spec: target.spec,
        digest: target.digest,
        comment: `rollback to version ${to}`,
        created_at: Date.now(),
      };
      await tx.insertInto("feature_definitions").values(row).execute();
      return toVersion(row);
    });
  }

  /**
   * The current (latest, not deleted) definitions as {@link FeatureDefinitions}. On-demand
   * views are not included: their compute function lives in the config, not the registry.
   *
   * @example
   * ```ts
   * const repo = FeatureRepo.from({ ...(await registry.current()), onDemandFeatureViews: config.onDemandFeatureViews }, root);
   * ```
   */
  async current(): Promise<FeatureDefinitions & { empty: boolean }> {
    const live = [...(await this.#currentVersions()).values()].filter((v) => !v.deleted);
    const of = <T>(kind: DefinitionKind) =>
      live.filter((v) => v.kind === kind).map((v) => v.spec as unknown as T);
    return {
      empty: live.length === 0,
      entities: of<Entity>("entity"),
      featureViews: of<FeatureView>("featureView"),
      featureServices: of<FeatureService>("featureService"),
    };
  }

  /**
   * The freshness state of a view (all null before anything ran).
   *
   * @example
   * ```ts
   * (await registry.state("stats")).materializedUntil;
   * ```
   */
  async state(view: string): Promise<ViewState> {
    const row = await this.#store.db
      .selectFrom("feature_view_state")
      .selectAll()
      .where("view", "=", view)
      .executeTakeFirst();
    const n = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
    return {
      view,
      materializedUntil: n(row?.materialized_until),
      lastMaterializedAt: n(row?.last_materialized_at),
      lastPushAt: n(row?.last_push_at),
      lastPushedEvent: n(row?.last_pushed_event),
      newestEvent: n(row?.newest_event),
    };
  }

  /**
   * Records a finished materialisation window and advances the view's watermark to `end` and
   * its newest materialised event time to `newestEvent` (neither ever backwards), in one
   * transaction.
   *
   * @example
   * ```ts
   * await registry.recordMaterialization("stats", start, end, 1200, newestEventMs);
   * ```
   */
  async recordMaterialization(
    view: string,
    start: number,
    end: number,
    rows: number,
    newestEvent: number | null = null,
  ): Promise<void> {
    const now = Date.now();
    await this.#store.write(async (tx) => {
      await tx
        .insertInto("feature_materializations")
        .values({ view, start_ts: start, end_ts: end, rows, finished_at: now })
        .execute();
      const current = await tx
        .selectFrom("feature_view_state")
        .select(["materialized_until", "newest_event"])
        .where("view", "=", view)
        .executeTakeFirst();
      const until = Math.max(end, Number(current?.materialized_until ?? end));
      const before = current?.newest_event;
      const newest =
        before === null || before === undefined
          ? newestEvent
          : Math.max(Number(before), newestEvent ?? Number(before));
      await tx
        .insertInto("feature_view_state")
        .values({
          view,
          materialized_until: until,
          last_materialized_at: now,
          last_push_at: null,
          last_pushed_event: null,
          newest_event: newest,
        })
        .onConflict((oc) =>
          oc.column("view").doUpdateSet({
            materialized_until: until,
            last_materialized_at: now,
            newest_event: newest,
          }),
        )
        .execute();
    });
  }

  /**
   * Records a push: its time and the newest event time it carried.
   *
   * @example
   * ```ts
   * await registry.recordPush("clicks", Date.now(), newestEventMs);
   * ```
   */
  async recordPush(view: string, at: number, newestEvent: number): Promise<void> {
    await this.#store.write(async (tx) => {
      const current = await tx
        .selectFrom("feature_view_state")
        .select("last_pushed_event")
        .where("view", "=", view)
        .executeTakeFirst();
      const newest = Math.max(newestEvent, Number(current?.last_pushed_event ?? newestEvent));
      await tx
        .insertInto("feature_view_state")
        .values({
          view,
          materialized_until: null,
          last_materialized_at: null,
          last_push_at: at,
          last_pushed_event: newest,
          newest_event: null,
        })
        .onConflict((oc) =>
          oc.column("view").doUpdateSet({ last_push_at: at, last_pushed_event: newest }),
        )
        .execute();
    });
  }

  async #currentVersions(): Promise<Map<string, DefinitionVersion>> {
    const rows = await this.#store.db
      .selectFrom("feature_definitions")
      .selectAll()
      .orderBy("version")
      .execute();
    const out = new Map<string, DefinitionVersion>();
    for (const row of rows) out.set(`${row.kind}:${row.name}`, toVersion(row));
    return out;
  }
}

function allDefinitions(
  definitions: FeatureDefinitions,
): (Entity | FeatureView | OnDemandFeatureView | FeatureService)[] {
  return [
    ...(definitions.entities ?? []),
    ...(definitions.featureViews ?? []),
    ...(definitions.onDemandFeatureViews ?? []),
    ...(definitions.featureServices ?? []),
  ];
}

function digest(spec: Record<string, unknown>): string {
  return createHash("sha256").update(canonical(spec)).digest("hex");
}

function toVersion(row: {
  kind: string;
  name: string;
  version: number;
  spec: string;
  digest: string;
  comment: string;
  created_at: number;
}): DefinitionVersion {
  const spec = JSON.parse(row.spec) as Record<string, unknown>;
  return {
    kind: row.kind as DefinitionKind,
    name: row.name,
    version: Number(row.version),
    spec,
    digest: row.digest,
    comment: row.comment,
    createdAt: Number(row.created_at),
    deleted: spec.deleted === true,
  };
}
