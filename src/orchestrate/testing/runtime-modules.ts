/**
 * The src/ modules a child process running pipelines loads: orchestrate and everything it
 * imports (serve for loading registered bundles, monitor through serve's reference profiles),
 * and config, whose `pipeline-thread` module is the entry of the worker threads steps run in.
 * Tests that transpile the runtime for a separate process (to SIGKILL it) take this one list, so
 * that a new import in orchestrate cannot leave their child without a module.
 *
 * @example
 * ```ts
 * transpileTrack(jsDir, ORCHESTRATE_RUNTIME_MODULES);
 * ```
 */
export const ORCHESTRATE_RUNTIME_MODULES: readonly string[] = [
  "core",
  "data",
  "transform",
  "models",
  "evaluate",
  "tune",
  "monitor",
  "store",
  "track",
  "features",
  "serve",
  "orchestrate",
  "config",
];
