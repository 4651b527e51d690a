import { expect, it } from "vitest";
import { entityKey, type OnlineStore } from "../online-store.js";

/**
 * The conformance suite every online store passes: call it inside a `describe` with a factory
 * that opens a fresh, empty store. It checks the contract written on {@link OnlineStore}.
 *
 * @example
 * ```ts
 * describe("SQLite online store", () => onlineStoreSuite(() => sqliteOnlineStore({ path: ":memory:" })));
 * ```
 */
export function onlineStoreSuite(open: () => Promise<OnlineStore> | OnlineStore): void {
  const T = Date.UTC(2026, 0, 1);
  const k = (...v: (string | number)[]) => entityKey(v);

  async function using(work: (store: OnlineStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await work(store);
    } finally {
      await store.close();
    }
  }

  it("returns undefined for keys never written, in request order", () =>
    using(async (store) => {
      expect(await store.read("v", [k(1), k(2)])).toEqual([undefined, undefined]);
      expect(await store.read("v", [])).toEqual([]);
    }));

  it("reads back every value type as written, repeats and order kept", () =>
    using(async (store) => {
      const values = { n: 1.5, s: 'a|b"c', b: true, z: null, neg: -0.25 };
      await store.write("v", [
        { key: k(1, "x"), eventTs: T, createdTs: null, values },
        {
          key: k(2, "x"),
          eventTs: T + 1,
          createdTs: T + 5,
          values: { n: 2, s: "", b: false, z: null, neg: 0 },
        },
      ]);
      const got = await store.read("v", [k(2, "x"), k(3, "x"), k(1, "x"), k(2, "x")]);
      expect(got[0]).toEqual({
        eventTs: T + 1,
        createdTs: T + 5,
        values: { n: 2, s: "", b: false, z: null, neg: 0 },
      });
      expect(got[1]).toBeUndefined();
      expect(got[2]).toEqual({ eventTs: T, createdTs: null, values });
      expect(got[3]).toEqual(got[0]);
    }));

  it("treats integral numbers and their strings as one entity key", () =>
    using(async (store) => {
      await store.write("v", [
        { key: entityKey([1001]), eventTs: T, createdTs: null, values: { a: 1 } },
      ]);
      expect((await store.read("v", [entityKey(["1001"])]))[0]?.values).toEqual({ a: 1 });
    }));

  it("keeps the newer record: event time first, then created time; missing created is oldest", () =>
    using(async (store) => {
      const w = (eventTs: number, createdTs: number | null, a: number) =>
        store.write("v", [{ key: k(1), eventTs, createdTs, values: { a } }]);
      await w(T + 10, null, 1);
      await w(T + 5, T + 100, 2); // older event: ignored
      expect((await store.read("v", [k(1)]))[0]?.values).toEqual({ a: 1 });
      await w(T + 10, T, 3); // same event, has a created time: wins over a missing one
      expect((await store.read("v", [k(1)]))[0]?.values).toEqual({ a: 3 });
      await w(T + 10, T - 1, 4); // same event, older created: ignored
      expect((await store.read("v", [k(1)]))[0]?.values).toEqual({ a: 3 });
      await w(T + 11, null, 5); // newer event wins whatever the created time
      expect((await store.read("v", [k(1)]))[0]).toEqual({
        eventTs: T + 11,
        createdTs: null,
        values: { a: 5 },
      });
    }));

  it("is idempotent and order-independent: the same batches in any order give the same state", () =>
    using(async (store) => {
      const batch = (i: number) => [
        { key: k(i % 7), eventTs: T + (i % 5), createdTs: T + i, values: { i } },
      ];
      const order = Array.from({ length: 40 }, (_, i) => i);
      for (const i of order) await store.write("a", batch(i));
      for (const i of [...order].reverse()) await store.write("b", batch(i));
      for (const i of order) await store.write("b", batch(i));
      const keys = Array.from({ length: 7 }, (_, i) => k(i));
      expect(await store.read("b", keys)).toEqual(await store.read("a", keys));
    }));

  it("keeps views apart and drops one view without touching others", () =>
    using(async (store) => {
      await store.write("v1", [{ key: k(1), eventTs: T, createdTs: null, values: { a: 1 } }]);
      await store.write("v2", [{ key: k(1), eventTs: T, createdTs: null, values: { a: 2 } }]);
      await store.dropView("v1");
      expect(await store.read("v1", [k(1)])).toEqual([undefined]);
      expect((await store.read("v2", [k(1)]))[0]?.values).toEqual({ a: 2 });
    }));

  it("writes and reads a batch of 2,000 entities", () =>
    using(async (store) => {
      const rows = Array.from({ length: 2000 }, (_, i) => ({
        key: k(i),
        eventTs: T + i,
        createdTs: null,
        values: { i, s: `e${i}` },
      }));
      await store.write("big", rows);
      const got = await store.read(
        "big",
        rows.map((r) => r.key),
      );
      expect(got.every((r, i) => r?.values.i === i && r.eventTs === T + i)).toBe(true);
    }));
}
