/**
 * How long helper threads may go without any sign of progress before they are presumed dead:
 * longer than any single unit of their work (a histogram lane, a chunk of rows, a column).
 */
const STALL_MS = 120_000;

/**
 * Blocks until `control[pending]` reaches 0, the helpers' count-down. Helpers also bump
 * `control[progress]` as they finish units of work. A helper that could not start or ran out
 * of memory never counts down, and its `exit` event cannot run while this thread blocks; so when
 * neither word changes for `stallMs`, this gives up and returns false instead of waiting forever.
 *
 * @example
 * ```ts
 * if (!waitForHelpers(control, PENDING, PROGRESS)) throw stalledError();
 * ```
 */
export function waitForHelpers(
  control: Int32Array,
  pending: number,
  progress: number,
  stallMs = STALL_MS,
): boolean {
  let lastPending = -1;
  let lastProgress = -1;
  let quietSince = Date.now();
  for (;;) {
    const left = Atomics.load(control, pending);
    if (left === 0) return true;
    const done = Atomics.load(control, progress);
    if (left !== lastPending || done !== lastProgress) {
      lastPending = left;
      lastProgress = done;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= stallMs) {
      return false;
    }
    Atomics.wait(control, pending, left, Math.min(1000, stallMs));
  }
}
