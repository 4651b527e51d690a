import { basename, join, resolve } from "node:path";
import {
  ArtifactStore,
  collectGarbage,
  type GcReport,
  type MetadataDatabase,
  openDatabase,
} from "../store/index.js";
import { ActiveRun, type LoggableValue } from "./active-run.js";
import { RunArtifacts } from "./artifacts.js";
import { gitCommit } from "./code-version.js";
import { Experiments } from "./experiments.js";
import { purgeDeletedRuns } from "./purge.js";
import { ModelRegistry } from "./registry.js";
import { Runs } from "./runs.js";

/**
 * Where tracking data lives.
 *
 * @example
 * ```ts
 * const options: OpenTrackingOptions = { root: "/srv/churn" }; // .keel/keel.db + .keel/artifacts
 * ```
 */
export interface OpenTrackingOptions {
  /** Project directory; data goes to `<root>/.keel/`. Default: the current directory. */
  readonly root?: string;
  /** `postgres://…` to use PostgreSQL. Default: `process.env.KEEL_DB_URL`, else SQLite. */
  readonly dbUrl?: string;
  /** PostgreSQL schema to use (created if missing). Default: the connection's search path. */
  readonly pgSchema?: string;
  /** Artifact directory. Default: `process.env.KEEL_ARTIFACT_ROOT`, else `<root>/.keel/artifacts`. */
  readonly artifactRoot?: string;
}

/**
 * What {@link Tracking.startRun} takes.
 *
 * @example
 * ```ts
 * const options: StartRunOptions = { experiment: "churn", runName: "trial-7", parentRunId: studyRun.id };
 * ```
 */
export interface StartRunOptions {
  /** Experiment name, created if missing. Default: MLflow's "Default" experiment (id 0). */
  readonly experiment?: string;
  readonly runName?: string;
  readonly parentRunId?: string;
  readonly tags?: Readonly<Record<string, LoggableValue>>;
}

/**
 * Experiment tracking and the model registry on one metadata store, split by capability:
 * `experiments`, `runs`, `artifacts`, `models`. `startRun` gives an {@link ActiveRun} that
 * buffers metrics and flushes on `end`.
 *
 * @example
 * ```ts
 * const tracking = await openTracking();
 * const run = await tracking.startRun({ experiment: "churn" });
 * run.logMetric("auc", 0.84);
 * await run.end();
 * await tracking.models.register("churn", { runId: run.id, artifactUri: `runs:/${run.id}/model` });
 * await tracking.close();
 * ```
 */
export class Tracking {
  readonly database: MetadataDatabase;
  readonly artifactStore: ArtifactStore;
  readonly experiments: Experiments;
  readonly runs: Runs;
  readonly artifacts: RunArtifacts;
  readonly models: ModelRegistry;
  readonly #root: string;
  readonly #open = new Set<ActiveRun>();

  constructor(database: MetadataDatabase, artifactStore: ArtifactStore, root: string) {
    this.database = database;
    this.artifactStore = artifactStore;
    this.#root = root;
    this.experiments = new Experiments(database);
    this.runs = new Runs(database);
    this.artifacts = new RunArtifacts(database, artifactStore);
    this.models = new ModelRegistry(database, root);
  }

  /**
   * Starts a run, recording the code version (git commit) and entry point when available.
   *
   * @example
   * ```ts
   * const run = await tracking.startRun({ experiment: "churn", tags: { team: "growth" } });
   * ```
   */
  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    const experimentId =
      options.experiment === undefined ? "0" : await this.experiments.ensure(options.experiment);
    const tags = new Map<string, string>([["mlflow.source.type", "LOCAL"]]);
    const entry = process.argv[1];
    if (entry !== undefined) tags.set("mlflow.source.name", basename(entry));
    const commit = gitCommit(this.#root);
    if (commit !== undefined) tags.set("mlflow.source.git.commit", commit);
    for (const [key, value] of Object.entries(options.tags ?? {})) tags.set(key, String(value));
    const run = await this.runs.create({
      experimentId,
      ...(options.runName === undefined ? {} : { runName: options.runName }),
      ...(options.parentRunId === undefined ? {} : { parentRunId: options.parentRunId }),
      tags: [...tags].map(([key, value]) => ({ key, value })),
    });
    const active = new ActiveRun(run.info.runId, experimentId, this.runs, this.artifacts, (r) =>
      this.#open.delete(r),
    );
    this.#open.add(active);
    return active;
  }

  /**
   * Purges runs deleted at least `olderThanMs` ago, then deletes artifact blobs nothing
   * references any more (MLflow's `mlflow gc`, plus the artifact files).
   *
   * @example
   * ```ts
   * const { runsPurged, bytesFreed } = await tracking.gc();
   * ```
   */
  async gc(
    options: { olderThanMs?: number; graceMs?: number } = {},
  ): Promise<GcReport & { runsPurged: number }> {
    const purged = await purgeDeletedRuns(
      this.database,
      options.olderThanMs === undefined ? {} : { olderThanMs: options.olderThanMs },
    );
    const report = await collectGarbage(
      this.database,
      this.artifactStore,
      options.graceMs === undefined ? {} : { graceMs: options.graceMs },
    );
    return { ...report, runsPurged: purged.length };
  }

  /**
   * Flushes the buffered metrics of runs still open (without ending them) and closes the store.
   *
   * @example
   * ```ts
   * await tracking.close();
   * ```
   */
  async close(): Promise<void> {
    try {
      for (const run of this.#open) await run.flush();
    } finally {
      this.#open.clear();
      await this.database.close();
    }
  }
}

/**
 * Opens tracking for a project: SQLite at `<root>/.keel/keel.db` by default, PostgreSQL when
 * `dbUrl` or `KEEL_DB_URL` is a `postgres://` URL; artifacts under `<root>/.keel/artifacts`.
 *
 * @example
 * ```ts
 * const tracking = await openTracking({ root: process.cwd() });
 * ```
 */
export async function openTracking(options: OpenTrackingOptions = {}): Promise<Tracking> {
  const root = resolve(options.root ?? process.cwd());
  const database = await openDatabase({
    root,
    ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }),
    ...(options.pgSchema === undefined ? {} : { pgSchema: options.pgSchema }),
  });
  const artifactRoot =
    options.artifactRoot ?? process.env.KEEL_ARTIFACT_ROOT ?? join(root, ".keel", "artifacts");
  return new Tracking(database, new ArtifactStore(resolve(root, artifactRoot)), root);
}
