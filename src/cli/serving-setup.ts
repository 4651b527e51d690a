import { createLogger } from "../core/index.js";
import {
  createPredictionLog,
  type Deployment,
  type DeploymentSpec,
  type OnlineFeatureReader,
  openServingStore,
  predictionSinkFor,
  ServingRuntime,
  watchAliases,
} from "../serve/index.js";
import { type RoutePlugin, servingRoutePlugins } from "../server/index.js";
import type { Tracking } from "../track/index.js";

/**
 * What {@link startServing} takes.
 *
 * @example
 * ```ts
 * const options: ServingSetup = { tracking, cwd, deployments: [spec], log: true };
 * ```
 */
export interface ServingSetup {
  readonly tracking: Tracking;
  readonly cwd: string;
  /** Deployment specs, or stored deployments (whose canary state and revision carry over). */
  readonly deployments: readonly (DeploymentSpec | Deployment)[];
  /** Log every prediction to the metadata store (default true). */
  readonly log?: boolean;
  /** Bound of the log's queue; past it requests get 503. */
  readonly logQueue?: number;
  readonly bodyLimitBytes?: number;
  readonly timeoutMs?: number;
  /** Take event times from predict bodies (`--accept-event-time`; see `ServingRoutesOptions`). */
  readonly acceptEventTime?: boolean;
  /** How often aliases are polled for hot swaps, in ms (default 2 s; `KEEL_ALIAS_POLL_MS`). */
  readonly aliasPollMs?: number;
  /** Where background failures (a shadow, a reload) are reported. */
  readonly report: (line: string) => void;
  /** The project's feature store, for deployments with a `features` section. */
  readonly features?: OnlineFeatureReader;
}

/**
 * A running serving runtime with its routes, alias watcher and prediction log; `close` drains
 * in-flight work, flushes the log and stops watching.
 *
 * @example
 * ```ts
 * const serving = await startServing(setup);
 * await createApp({ tracking, mode: "serving", plugins: serving.plugins });
 * ```
 */
export interface RunningServing {
  readonly runtime: ServingRuntime;
  readonly plugins: RoutePlugin[];
  close(): Promise<void>;
}

function isStored(d: DeploymentSpec | Deployment): d is Deployment {
  return "spec" in d && "revision" in d;
}

/**
 * Loads the deployments' models and wires what `keel serve` and `keel server` share: the
 * prediction log in the metadata store, hot swaps when an alias moves, and the routes.
 *
 * @example
 * ```ts
 * const serving = await startServing({ tracking, cwd, deployments: [spec], report: console.error });
 * ```
 */
export async function startServing(setup: ServingSetup): Promise<RunningServing> {
  const store = openServingStore(setup.tracking.database);
  const logQueue = setup.logQueue ?? 100_000;
  // Bigger, rarer batches: the store's cost per entry falls with the batch size (500 per 20 ms
  // was measured too: no less event-loop CPU per request, more in total).
  const log =
    setup.log === false
      ? undefined
      : createPredictionLog(predictionSinkFor(setup.tracking.database, store), {
          maxQueue: logQueue,
          batchSize: 2000,
          flushIntervalMs: 200,
        });
  const specs = setup.deployments.map((d) => (isStored(d) ? d.spec : d));
  const stored = Object.fromEntries(
    setup.deployments
      .filter(isStored)
      .map((d) => [d.name, { revision: d.revision, state: d.state }]),
  );
  const runtime = await ServingRuntime.open({
    tracking: setup.tracking,
    cwd: setup.cwd,
    deployments: specs,
    store,
    stored,
    ...(log ? { log, logCapacity: logQueue } : {}),
    ...(setup.timeoutMs !== undefined ? { timeoutMs: setup.timeoutMs } : {}),
    ...(setup.features !== undefined ? { features: setup.features } : {}),
    onBackgroundError: (what, error) =>
      setup.report(`${what} failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  const refs = runtime.aliasRefs();
  const watcher =
    refs.length === 0
      ? undefined
      : watchAliases(
          setup.tracking,
          refs,
          (ref, version) => {
            setup.report(`${ref} moved to version ${version}: loading it`);
            return runtime.reload(ref);
          },
          {
            intervalMs: setup.aliasPollMs ?? (Number(process.env.KEEL_ALIAS_POLL_MS) || 2000),
            // A deleted alias and a lost LISTEN connection reach the operator, not /dev/null.
            logger: createLogger({
              level: "warn",
              sink: (r) =>
                setup.report(
                  typeof r.fields.message === "string"
                    ? `${r.message}: ${r.fields.message}`
                    : r.message,
                ),
            }),
            // An alias that moved while the models loaded is reported at once.
            known: Object.fromEntries(
              refs.flatMap((ref) => {
                const version = Number(runtime.modelVersion(ref));
                return Number.isInteger(version) ? [[ref, version]] : [];
              }),
            ),
          },
        );
  const specPoll = watchStoredSpecs(store, runtime, setup);
  const plugins = servingRoutePlugins({
    runtime,
    store,
    ...(log ? { log } : {}),
    ...(setup.bodyLimitBytes !== undefined ? { bodyLimitBytes: setup.bodyLimitBytes } : {}),
    ...(setup.acceptEventTime === true ? { acceptEventTime: true } : {}),
  });
  return {
    runtime,
    plugins,
    async close() {
      if (specPoll) clearInterval(specPoll);
      await watcher?.close();
      await runtime.close();
    },
  };
}

/**
 * Polls the stored deployments this server serves and, when one's spec changed (`keel deploy
 * promote`, `rollback`, an edit), serves the new spec without a failed request
 * ({@link ServingRuntime.replaceDeployment}). State-only changes (a canary step) are left to
 * the canary driver.
 */
function watchStoredSpecs(
  store: ReturnType<typeof openServingStore>,
  runtime: ServingRuntime,
  setup: ServingSetup,
): NodeJS.Timeout | undefined {
  const known = new Map(
    setup.deployments.filter(isStored).map((d) => [d.name, JSON.stringify(d.spec)]),
  );
  if (known.size === 0) return undefined;
  let busy = false;
  const check = async (): Promise<void> => {
    for (const [name, text] of known) {
      const stored = await store.findDeployment(name);
      if (stored === undefined || JSON.stringify(stored.spec) === text) continue;
      await runtime.replaceDeployment(stored.spec, {
        revision: stored.revision,
        state: stored.state,
      });
      known.set(name, JSON.stringify(stored.spec));
      setup.report(
        `deployment ${name} changed (revision ${stored.revision}): serving ${stored.spec.variants.map((v) => `${v.name}=${v.model}@${v.weight}`).join(", ")}`,
      );
    }
  };
  const timer = setInterval(
    () => {
      if (busy) return;
      busy = true;
      check()
        .catch((error: unknown) =>
          setup.report(
            `reloading a changed deployment failed (still serving the old spec): ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => {
          busy = false;
        });
    },
    setup.aliasPollMs ?? (Number(process.env.KEEL_ALIAS_POLL_MS) || 2000),
  );
  timer.unref();
  return timer;
}

/**
 * Whether any of the deployments reads online features (then the project's feature store must
 * be opened for serving).
 *
 * @example
 * ```ts
 * if (needsFeatures(deployments)) features = await openProjectFeatures(ctx, await configFor(ctx));
 * ```
 */
export function needsFeatures(deployments: readonly (DeploymentSpec | Deployment)[]): boolean {
  return deployments.some((d) => (isStored(d) ? d.spec : d).features !== undefined);
}
