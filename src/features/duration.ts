import { describeValue, KeelError } from "../core/index.js";
import { parseDuration } from "../data/index.js";

/**
 * A duration in seconds from a number of seconds or a string such as `"1d"`, `"2h"`, `"30m"`,
 * `"45s"` (parsed by data's `parseDuration`). `0` means "no limit" wherever a TTL is taken.
 * Anything else is `KEEL_ERR_FEATURE_DEFINITION` naming `where`.
 *
 * @example
 * ```ts
 * durationSeconds("1d", "ttl"); // 86400
 * durationSeconds(90, "ttl");   // 90
 * ```
 */
export function durationSeconds(value: unknown, where: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  const ms = typeof value === "string" ? parseDuration(value) : undefined;
  if (ms !== undefined) return ms / 1000;
  throw new KeelError(
    "KEEL_ERR_FEATURE_DEFINITION",
    `${where}: expected a duration as non-negative seconds or a string like "1d", "2h", "30m", got ${describeValue(value)}.`,
    { details: { where, got: value === undefined ? null : value } },
  );
}

/**
 * Formats seconds as the shortest duration string (`86400` → `"1d"`), for messages and tables.
 *
 * @example
 * ```ts
 * formatDuration(5400); // "1h30m"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = Math.round(seconds);
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return rest > 0 || out === "" ? `${out}${rest}s` : out;
}
