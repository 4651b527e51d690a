import { KeelError } from "../core/index.js";

/**
 * How far ahead of the server's clock an event time may lie: clocks of callers drift, but an
 * entry minutes in the future is a unit or time-zone mistake that would sit outside every
 * monitor window until then.
 */
export const EVENT_TIME_MAX_AHEAD_MS = 5 * 60_000;

// A full timestamp with its offset: a time without one means different instants on different
// machines, so it is refused rather than read in the server's zone.
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Reads the event time of a prediction: an ISO-8601 timestamp with a zone
 * (`2026-03-02T09:30:00Z`, `2026-03-02T10:30:00+01:00`) or epoch milliseconds, no later than
 * {@link EVENT_TIME_MAX_AHEAD_MS} past `now`. Anything else is `KEEL_ERR_INVALID_ARGUMENT`
 * (400) naming `path`, what was expected and what came.
 *
 * @example
 * ```ts
 * parseEventTime("2026-03-02T09:30:00Z", "$.time", Date.now()); // 1772443800000
 * ```
 */
export function parseEventTime(value: unknown, path: string, now: number): number {
  const ms = typeof value === "number" ? epochMs(value) : isoMs(value);
  if (ms === undefined)
    throw badTime(
      path,
      "an ISO-8601 timestamp with a zone (2026-03-02T09:30:00Z) or epoch milliseconds",
      value,
    );
  if (ms > now + EVENT_TIME_MAX_AHEAD_MS)
    throw badTime(
      path,
      `no later than ${new Date(now + EVENT_TIME_MAX_AHEAD_MS).toISOString()} (the server's clock plus ${EVENT_TIME_MAX_AHEAD_MS / 60_000} minutes): an event time in the future is a unit or zone mistake`,
      value,
    );
  return ms;
}

function epochMs(value: number): number | undefined {
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function isoMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = ISO_TIMESTAMP.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((p) => Number(p ?? 0));
  // Date.parse rolls 2026-02-30 over into March; the calendar check refuses it.
  const calendar = new Date(Date.UTC(year!, month! - 1, day!));
  if (
    calendar.getUTCMonth() !== month! - 1 ||
    calendar.getUTCDate() !== day ||
    hour! > 23 ||
    minute! > 59 ||
    second! > 59
  )
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < 0 ? undefined : ms;
}

function badTime(path: string, expected: string, received: unknown): KeelError {
  const text = JSON.stringify(received) ?? String(received);
  return new KeelError("KEEL_ERR_INVALID_ARGUMENT", `${path} must be ${expected}; got ${text}`, {
    details: { path, expected, received: received === undefined ? null : received },
  });
}
