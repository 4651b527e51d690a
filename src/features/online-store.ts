import type { CellValue } from "../core/index.js";

/**
 * One entity's latest feature values for one view, as the online store keeps them.
 *
 * @example
 * ```ts
 * const record: OnlineRecord = { eventTs: Date.UTC(2026, 0, 1), createdTs: null, values: { tenure: 12 } };
 * ```
 */
export interface OnlineRecord {
  /** The feature row's event time, epoch ms. */
  readonly eventTs: number;
  /** Its created time, epoch ms, when the view has one. */
  readonly createdTs: number | null;
  readonly values: Readonly<Record<string, CellValue>>;
}

/**
 * A record to write, keyed by the entity key (see {@link entityKey}).
 *
 * @example
 * ```ts
 * const write: OnlineWrite = { key: entityKey([1001]), eventTs: Date.now(), createdTs: null, values: { tenure: 3 } };
 * ```
 */
export interface OnlineWrite extends OnlineRecord {
  readonly key: string;
}

/**
 * An online store: the latest feature values per (view, entity), read in about a millisecond.
 * Contract, checked for every backend by `onlineStoreSuite`:
 * - `write` upserts a batch atomically (all or nothing). A record replaces the stored one only
 *   when it is not older: greater event time, or equal event time and a created time at least
 *   as great (a missing created time is the oldest). So writes commute and repeating a write
 *   changes nothing: materialisation and push are idempotent and may run in any order.
 * - `read` returns one entry per requested key, in request order (repeats allowed), `undefined`
 *   for keys never written. Values come back as written (numbers, strings, booleans, null).
 * - Views are independent; `dropView` removes every record of one view.
 *
 * @example
 * ```ts
 * await store.write("customer_stats", [{ key: entityKey([1]), eventTs: t, createdTs: null, values: { tenure: 3 } }]);
 * const [record] = await store.read("customer_stats", [entityKey([1])]);
 * ```
 */
export interface OnlineStore {
  readonly kind: "sqlite" | "redis";
  write(view: string, rows: readonly OnlineWrite[]): Promise<void>;
  read(view: string, keys: readonly string[]): Promise<(OnlineRecord | undefined)[]>;
  dropView(view: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The key of an entity: its join-key values in join-key order. Integral numbers and their
 * decimal strings give the same key, so `1001` from a CSV and `"1001"` from a URL match.
 *
 * @example
 * ```ts
 * entityKey([1001, "x"]) === entityKey(["1001", "x"]); // true
 * ```
 */
export function entityKey(values: readonly CellValue[]): string {
  return JSON.stringify(values.map((v) => (v === null ? null : String(v))));
}

/**
 * True when `next` should replace `current` under the store contract's newer-wins rule.
 *
 * @example
 * ```ts
 * isNotOlder({ eventTs: 2, createdTs: null }, { eventTs: 1, createdTs: 5 }); // true
 * ```
 */
export function isNotOlder(
  next: Pick<OnlineRecord, "eventTs" | "createdTs">,
  current: Pick<OnlineRecord, "eventTs" | "createdTs">,
): boolean {
  if (next.eventTs !== current.eventTs) return next.eventTs > current.eventTs;
  return (
    (next.createdTs ?? Number.NEGATIVE_INFINITY) >= (current.createdTs ?? Number.NEGATIVE_INFINITY)
  );
}
