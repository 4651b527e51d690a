/**
 * keel's hyperparameter tuning: define-by-run studies in the style of Optuna. `createStudy`
 * and `loadStudy` open a {@link Study}; objectives call `trial.suggestFloat` / `suggestInt` /
 * `suggestCategorical`; samplers (`TpeSampler`, `RandomSampler`, `GridSampler`) choose values,
 * pruners (`MedianPruner`, `SuccessiveHalvingPruner`, `HyperbandPruner`) stop poor trials
 * early, and storages (`InMemoryStorage`, `JournalFileStorage`) keep the trials.
 *
 * Parallelism: `optimize(fn, { nJobs })` runs up to nJobs trials concurrently on the event loop
 * (async objectives overlap); `optimize({ module, exportName }, { nJobs })` runs a module's
 * objective on nJobs worker threads (CPU-bound objectives; a trial past `timeoutMs` or
 * `trialTimeoutMs` has its thread terminated and replaced). A new trial starts whenever a job is
 * free. With `nJobs: 1` a seeded study is reproducible in either mode; with more jobs TPE sees
 * whichever trials finished first, as in Optuna. Several processes or machines can share one
 * study through a shared storage.
 *
 * @example
 * ```ts
 * import { createStudy, TpeSampler } from "keel";
 * const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed: 1 }) });
 * await study.optimize((trial) => {
 *   const x = trial.suggestFloat("x", -10, 10);
 *   return (x - 2) ** 2;
 * }, { nTrials: 40 });
 * study.bestParams; // { x: ≈2 }
 * ```
 *
 * @module
 */
export * from "./distributions.js";
export * from "./frozen-trial.js";
export * from "./hypervolume.js";
export * from "./importance/param-importances.js";
export * from "./in-memory-storage.js";
export * from "./journal-file-storage.js";
export * from "./pruners/hyperband-pruner.js";
export * from "./pruners/percentile-pruner.js";
export * from "./pruners/pruner.js";
export * from "./pruners/successive-halving-pruner.js";
export * from "./samplers/grid-sampler.js";
export * from "./samplers/nsga-ii-sampler.js";
export * from "./samplers/random-sampler.js";
export * from "./samplers/sampler.js";
export * from "./samplers/search-space.js";
export * from "./samplers/tpe/tpe-sampler.js";
export * from "./search-space-spec.js";
export * from "./storage.js";
export * from "./storage-suite.js";
export * from "./study.js";
export * from "./trial.js";
export { RemoteTrial } from "./workers/remote-trial.js";
export * from "./workers/worker-pool.js";
