// How loaded the machine was during a benchmark, in words a reader can trust: a run on a quiet
// machine says so, a run beside other jobs says its wall-clock figures are inflated. Benchmarks
// used to print one fixed sentence whatever the load.
import { cpus } from "node:os";

/**
 * One sentence on the machine and its load over the run, from the load averages sampled during it.
 * Quiet means every sample stayed under the core count (no job waited for a core).
 * Example: `describeLoad([loadBefore, os.loadavg()[0]])`.
 */
export function describeLoad(samples) {
  const cores = cpus().length;
  const shown = samples.map((l) => l.toFixed(1)).join(" → ");
  const quiet = samples.every((l) => l < cores);
  return quiet
    ? `${cores} cores (${cpus()[0]?.model ?? "cpu"}), 1-minute load average ${shown}: a quiet machine`
    : `${cores} cores (${cpus()[0]?.model ?? "cpu"}), 1-minute load average ${shown}: other jobs were running, so wall-clock figures are inflated and noisy; CPU time is the steadier figure`;
}
