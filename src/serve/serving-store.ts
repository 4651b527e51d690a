import type { Statement } from "better-sqlite3";
import { type Selectable, sql } from "kysely";
import { describeValue, KeelError } from "../core/index.js";
import type { DeploymentEventRow, DeploymentRow, MetadataDatabase } from "../store/index.js";
import type {
  Deployment,
  DeploymentChange,
  DeploymentEvent,
  DeploymentEventKind,
  DeploymentState,
} from "./deployment-record.js";
import { type DeploymentSpec, parseDeploymentSpec } from "./deployment-spec.js";
import type { FeedbackLabel, LoggedPrediction, PredictionLogEntry } from "./prediction-entry.js";
import { predictionFromRow, predictionRows } from "./prediction-rows.js";

/**
 * Which logged predictions to read: one deployment, optionally an event-time window
 * `[from, to)` (epoch ms; the entries' `time`, see {@link PredictionLogEntry}), only entries
 * the server answered at or after `receivedFrom` (its own clock, the clock deployment changes
 * are stamped with), one variant, one model version, and at most `limit` rows (oldest first).
 *
 * @example
 * ```ts
 * const q: ReadPredictionsQuery = { deployment: "churn", from: Date.now() - 86_400_000, variant: "champion", modelVersion: "7" };
 * ```
 */
export interface ReadPredictionsQuery {
  readonly deployment: string;
  readonly from?: number;
  readonly to?: number;
  readonly receivedFrom?: number;
  readonly variant?: string;
  readonly modelVersion?: string;
  readonly limit?: number;
}

/**
 * A ground-truth label for a logged request.
 *
 * @example
 * ```ts
 * const fb: Feedback = { deployment: "churn", requestId: "7c1e…", label: 1, time: Date.now() };
 * ```
 */
export interface Feedback {
  readonly deployment: string;
  readonly requestId: string;
  readonly label: FeedbackLabel;
  readonly time: number;
}

/**
 * Who made a change and why, for the deployment history.
 *
 * @example
 * ```ts
 * const by: ChangeBy = { actor: "ana", reason: "challenger regressed" };
 * ```
 */
export interface ChangeBy {
  readonly actor?: string;
  readonly reason?: string;
}

/**
 * Serving's metadata: deployments with their history, the prediction log and feedback.
 * Contract (every backend, checked by one conformance suite):
 * - every write is one transaction: a batch of predictions is stored whole or not at all;
 * - `readPredictions` returns rows oldest first (by time, then insertion), each with the
 *   latest label recorded for its request id, whether the label came before or after it;
 * - a deployment's revision rises by one with every change, and each change leaves an event;
 * - deployment names are unique; unknown names are `KEEL_ERR_DEPLOYMENT_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const store = openServingStore(await openDatabase({ root: "." }));
 * await store.createDeployment(spec, { reason: "first rollout" });
 * ```
 */
export interface ServingStore {
  createDeployment(spec: DeploymentSpec, by?: ChangeBy): Promise<Deployment>;
  getDeployment(name: string): Promise<Deployment>;
  findDeployment(name: string): Promise<Deployment | undefined>;
  listDeployments(): Promise<Deployment[]>;
  updateDeployment(name: string, change: DeploymentChange): Promise<Deployment>;
  /** Restores the spec in force before the last spec change (a second rollback undoes it). */
  rollbackDeployment(name: string, by?: ChangeBy): Promise<Deployment>;
  /** The deployment's history, newest first. */
  deploymentEvents(name: string): Promise<DeploymentEvent[]>;
  appendPredictions(entries: readonly PredictionLogEntry[]): Promise<void>;
  /** Stores (or replaces) the label; true when the request id is already in the log. */
  recordFeedback(feedback: Feedback): Promise<boolean>;
  readPredictions(query: ReadPredictionsQuery): Promise<LoggedPrediction[]>;
}

/**
 * The serving store on an open metadata database (SQLite or PostgreSQL, schema migration 4).
 *
 * @example
 * ```ts
 * const database = await openDatabase({ root: "." });
 * const store = openServingStore(database);
 * const rows = await store.readPredictions({ deployment: "churn", limit: 100 });
 * ```
 */
export function openServingStore(database: MetadataDatabase): ServingStore {
  return new SqlServingStore(database);
}

/** Rows per INSERT statement: far below SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 400;

const PREDICTION_COLUMNS = [
  "request_id",
  "time",
  "received_at",
  "deployment",
  "variant",
  "model_version",
  "input",
  "prediction",
  "score",
  "probabilities",
  "latency_ms",
  "shadow",
] as const;

class SqlServingStore implements ServingStore {
  readonly #database: MetadataDatabase;
  #insertPrediction: Statement | undefined;

  constructor(database: MetadataDatabase) {
    this.#database = database;
  }

  async createDeployment(spec: DeploymentSpec, by: ChangeBy = {}): Promise<Deployment> {
    const checked = parseDeploymentSpec(spec, "createDeployment");
    const now = Date.now();
    const text = JSON.stringify(checked);
    await this.#database.write(async (tx) => {
      const existing = await tx
        .selectFrom("deployments")
        .select("name")
        .where("name", "=", checked.name)
        .executeTakeFirst();
      if (existing !== undefined)
        throw new KeelError(
          "KEEL_ERR_ALREADY_EXISTS",
          `deployment '${checked.name}' already exists; change it with update, promote or rollback`,
          { details: { deployment: checked.name } },
        );
      await tx
        .insertInto("deployments")
        .values({
          name: checked.name,
          spec: text,
          state: "{}",
          revision: 1,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await tx
        .insertInto("deployment_events")
        .values(eventRow(checked.name, "create", 1, null, text, by, now))
        .execute();
    });
    return this.getDeployment(checked.name);
  }

  async getDeployment(name: string): Promise<Deployment> {
    const found = await this.findDeployment(name);
    if (found === undefined) throw await this.#notFound(name);
    return found;
  }

  async findDeployment(name: string): Promise<Deployment | undefined> {
    const row = await this.#database.db
      .selectFrom("deployments")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    return row === undefined ? undefined : deploymentFromRow(row);
  }

  async listDeployments(): Promise<Deployment[]> {
    const rows = await this.#database.db
      .selectFrom("deployments")
      .selectAll()
      .orderBy("name")
      .execute();
    return rows.map(deploymentFromRow);
  }

  async updateDeployment(name: string, change: DeploymentChange): Promise<Deployment> {
    const spec =
      change.spec === undefined ? undefined : parseDeploymentSpec(change.spec, "updateDeployment");
    if (spec !== undefined && spec.name !== name)
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `updateDeployment: the spec's name '${spec.name}' differs from the deployment '${name}'; a deployment cannot be renamed`,
        { details: { deployment: name, specName: spec.name } },
      );
    await this.#database.write(async (tx) => {
      const row = await tx
        .selectFrom("deployments")
        .selectAll()
        .where("name", "=", name)
        .executeTakeFirst();
      if (row === undefined) throw await this.#notFound(name);
      const revision = Number(row.revision);
      if (change.expectedRevision !== undefined && change.expectedRevision !== revision)
        throw new KeelError(
          "KEEL_ERR_CONFLICT",
          `deployment '${name}' is at revision ${revision}, not ${change.expectedRevision}: it changed meanwhile`,
          { details: { deployment: name, revision, expectedRevision: change.expectedRevision } },
        );
      const now = Date.now();
      const toSpec = spec === undefined ? row.spec : JSON.stringify(spec);
      await tx
        .updateTable("deployments")
        .set({
          spec: toSpec,
          state: change.state === undefined ? row.state : JSON.stringify(change.state),
          revision: revision + 1,
          updated_at: now,
        })
        .where("name", "=", name)
        .execute();
      await tx
        .insertInto("deployment_events")
        .values(eventRow(name, change.kind, revision + 1, row.spec, toSpec, change, now))
        .execute();
    });
    return this.getDeployment(name);
  }

  async rollbackDeployment(name: string, by: ChangeBy = {}): Promise<Deployment> {
    const events = await this.deploymentEvents(name);
    const last = events.find(
      (e) => e.fromSpec !== null && JSON.stringify(e.fromSpec) !== JSON.stringify(e.toSpec),
    );
    if (last?.fromSpec == null)
      throw new KeelError(
        "KEEL_ERR_INVALID_STATE",
        `deployment '${name}' has no earlier spec to roll back to (its spec never changed since it was created)`,
        { details: { deployment: name } },
      );
    const current = await this.getDeployment(name);
    return this.updateDeployment(name, {
      kind: "rollback",
      spec: last.fromSpec,
      // A restored canary starts over from its first step.
      state: {},
      reason: by.reason ?? `rollback to the spec before revision ${last.revision} (${last.kind})`,
      ...(by.actor === undefined ? {} : { actor: by.actor }),
      expectedRevision: current.revision,
    });
  }

  async deploymentEvents(name: string): Promise<DeploymentEvent[]> {
    const rows = await this.#database.db
      .selectFrom("deployment_events")
      .selectAll()
      .where("deployment", "=", name)
      .orderBy("id", "desc")
      .execute();
    if (rows.length === 0) throw await this.#notFound(name);
    return rows.map(eventFromRow);
  }

  async appendPredictions(entries: readonly PredictionLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = predictionRows(entries);
    const sqlite = this.#database.sqlite;
    await this.#database.write(async (tx) => {
      if (sqlite !== undefined) {
        // Inside the write transaction the connection is ours alone (Kysely holds it until
        // COMMIT), so a prepared statement on the same handle joins the transaction; it costs
        // about a third less CPU per row than building multi-row INSERTs, on the serving path.
        this.#insertPrediction ??= sqlite.prepare(
          `insert into prediction_log (${PREDICTION_COLUMNS.join(", ")}) values (${PREDICTION_COLUMNS.map((c) => `@${c}`).join(", ")})`,
        );
        for (const row of rows) this.#insertPrediction.run(row);
        return;
      }
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await tx
          .insertInto("prediction_log")
          .values(rows.slice(start, start + INSERT_CHUNK))
          .execute();
      }
    });
  }

  async recordFeedback(feedback: Feedback): Promise<boolean> {
    const { deployment, requestId, label, time } = feedback;
    checkFeedback(feedback);
    const text = JSON.stringify(label);
    return this.#database.write(async (tx) => {
      await tx
        .insertInto("prediction_feedback")
        .values({ deployment, request_id: requestId, label: text, time })
        .onConflict((oc) =>
          oc.columns(["deployment", "request_id"]).doUpdateSet({ label: text, time }),
        )
        .execute();
      const known = await tx
        .selectFrom("prediction_log")
        .select("id")
        .where("deployment", "=", deployment)
        .where("request_id", "=", requestId)
        .limit(1)
        .executeTakeFirst();
      return known !== undefined;
    });
  }

  async readPredictions(query: ReadPredictionsQuery): Promise<LoggedPrediction[]> {
    const { deployment, from, to, receivedFrom, variant, modelVersion, limit } = query;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `readPredictions: limit must be a positive integer, got ${describeValue(limit)}`,
        { details: { parameter: "limit", got: limit } },
      );
    const rows = await this.#database.db
      .selectFrom("prediction_log as p")
      .leftJoin("prediction_feedback as f", (join) =>
        join.onRef("f.deployment", "=", "p.deployment").onRef("f.request_id", "=", "p.request_id"),
      )
      .selectAll("p")
      .select(["f.label as label", "f.time as feedback_time"])
      .where("p.deployment", "=", deployment)
      .$if(from !== undefined, (q) => q.where("p.time", ">=", from as number))
      .$if(to !== undefined, (q) => q.where("p.time", "<", to as number))
      .$if(receivedFrom !== undefined, (q) =>
        q.where(sql<number>`coalesce(p.received_at, p.time)`, ">=", receivedFrom as number),
      )
      .$if(variant !== undefined, (q) => q.where("p.variant", "=", variant as string))
      .$if(modelVersion !== undefined, (q) =>
        q.where("p.model_version", "=", modelVersion as string),
      )
      .orderBy("p.time")
      .orderBy("p.id")
      .$if(limit !== undefined, (q) => q.limit(limit as number))
      .execute();
    return rows.map(predictionFromRow);
  }

  async #notFound(name: string): Promise<KeelError> {
    const names = (
      await this.#database.db.selectFrom("deployments").select("name").orderBy("name").execute()
    ).map((r) => r.name);
    return new KeelError(
      "KEEL_ERR_DEPLOYMENT_NOT_FOUND",
      `no deployment named '${name}'; ${names.length === 0 ? "there are none yet (keel deploy create)" : `known: ${names.join(", ")}`}`,
      { details: { deployment: name, known: names } },
    );
  }
}

function checkFeedback(feedback: Feedback): void {
  const { requestId, label, time } = feedback;
  const problem =
    typeof requestId !== "string" || requestId === ""
      ? ["requestId", "a non-empty string", requestId]
      : !(
            (typeof label === "number" && Number.isFinite(label)) ||
            typeof label === "string" ||
            typeof label === "boolean"
          )
        ? ["label", "a finite number, a string or a boolean", label]
        : !Number.isFinite(time)
          ? ["time", "epoch milliseconds", time]
          : undefined;
  if (problem === undefined) return;
  const [field, expected, got] = problem as [string, string, unknown];
  throw new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `feedback: ${field} must be ${expected}, got ${describeValue(got)}`,
    { details: { parameter: field, got: got === undefined ? null : got } },
  );
}

function eventRow(
  deployment: string,
  kind: DeploymentEventKind,
  revision: number,
  fromSpec: string | null,
  toSpec: string,
  by: ChangeBy,
  now: number,
): Omit<DeploymentEventRow, "id"> {
  return {
    deployment,
    kind,
    revision,
    from_spec: fromSpec,
    to_spec: toSpec,
    actor: by.actor ?? process.env.USER ?? "unknown",
    reason: by.reason ?? "",
    created_at: now,
  };
}

function deploymentFromRow(row: Selectable<DeploymentRow>): Deployment {
  return {
    name: row.name,
    spec: storedSpec(row.spec, row.name),
    state: JSON.parse(row.state) as DeploymentState,
    revision: Number(row.revision),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function eventFromRow(row: Selectable<DeploymentEventRow>): DeploymentEvent {
  return {
    id: Number(row.id),
    deployment: row.deployment,
    kind: row.kind as DeploymentEventKind,
    revision: Number(row.revision),
    fromSpec: row.from_spec === null ? null : storedSpec(row.from_spec, row.deployment),
    toSpec: storedSpec(row.to_spec, row.deployment),
    actor: row.actor,
    reason: row.reason,
    createdAt: Number(row.created_at),
  };
}

/** Specs were validated on the way in; parsing again guards against hand-edited rows. */
function storedSpec(text: string, name: string): DeploymentSpec {
  return parseDeploymentSpec(text, `stored deployment '${name}'`);
}
