import { describeValue, KeelError } from "../core/index.js";

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

/**
 * A duration in seconds from a number of seconds or a string such as `"1d"`, `"2h"`, `"30m"`,
 * `"45s"`, `"1w"` or a sum of them (`"1d12h"`). `0` means "no limit" wherever a TTL is taken.
 * Anything else is `KEEL_ERR_FEATURE_DEFINITION` naming `where`.
 *
 * @example
 * ```ts
 * parseDuration("1d", "ttl");  // 86400
 * parseDuration(90, "ttl");    // 90
 * ```
 */
export function parseDuration(value: unknown, where: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*([smhdw])/g)];
    if (parts.length > 0 && parts.map((p) => p[0]).join("") === text.replace(/\s+/g, "")) {
      return parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_SECONDS[p[2] ?? "s"] ?? 1), 0);
    }
  }
  throw new KeelError(
    "KEEL_ERR_FEATURE_DEFINITION",
    `${where}: expected a duration as non-negative seconds or a string like "1d", "2h", "30m", got ${describeValue(value)}.`,
    { details: { where, got: value === undefined ? null : value } },
  );
}

/**
 * Formats seconds as the shortest duration string (`86400` → `"1d"`), for messages and diffs.
 *
 * @example
 * ```ts
 * formatDuration(5400); // "1h30m"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = seconds;
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
