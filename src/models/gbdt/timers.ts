/**
 * Wall-clock time per training phase, as LightGBM's built-in timers report it: cheap enough to
 * stay on, and the first thing to read when training is slow.
 *
 * @example
 * ```ts
 * const timers = new Timers();
 * const stop = timers.start("histograms");
 * build();
 * stop();
 * timers.report(); // { histograms: 12.3 }
 * ```
 */
export class Timers {
  readonly #totals = new Map<string, number>();

  /** Starts timing `phase`; the returned function stops it and adds the elapsed time. */
  start(phase: string): () => void {
    const t0 = performance.now();
    return () => {
      this.#totals.set(phase, (this.#totals.get(phase) ?? 0) + performance.now() - t0);
    };
  }

  /** Milliseconds spent per phase, rounded to 0.1 ms, in first-seen order. */
  report(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [phase, ms] of this.#totals) out[phase] = Math.round(ms * 10) / 10;
    return out;
  }
}
