import type { Progress } from "../core/index.js";

/**
 * A terminal progress bar on standard error implementing core's {@link Progress}: label, bar,
 * count, rate, ETA and the latest status fields (`best=0.84`). Redraws at most every 100 ms.
 * When standard error is not a terminal it stays silent, so logs and `--json` output stay clean.
 *
 * @example
 * ```ts
 * const progress = createProgressBar({ write: (t) => process.stderr.write(t), interactive: process.stderr.isTTY });
 * progress.start(50, "trials");
 * progress.advance(1, { best: 0.84 });
 * progress.finish();
 * ```
 */
export function createProgressBar(options: {
  write: (text: string) => void;
  interactive: boolean;
  width?: number;
}): Progress {
  const width = options.width ?? 28;
  let total = 0;
  let done = 0;
  let label = "";
  let started = 0;
  let lastDraw = 0;
  let status: Record<string, number | string> = {};

  const draw = (force: boolean): void => {
    if (!options.interactive) return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * width);
    const elapsed = (now - started) / 1000;
    const eta = done > 0 && total > done ? ((elapsed / done) * (total - done)).toFixed(0) : "0";
    const fields = Object.entries(status)
      .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(5)) : v}`)
      .join(" ");
    options.write(
      `\r\x1b[2K${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ${elapsed.toFixed(1)}s eta ${eta}s ${fields}`,
    );
  };

  return {
    start(n, name) {
      total = n;
      done = 0;
      label = name;
      started = Date.now();
      status = {};
      draw(true);
    },
    advance(amount, fields) {
      done += amount;
      if (fields) status = { ...status, ...fields };
      draw(done >= total);
    },
    finish() {
      draw(true);
      if (options.interactive) options.write("\n");
    },
  };
}
