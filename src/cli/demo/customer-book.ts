/**
 * What the replay needs of the simulated warehouse: customers' signup and churn days.
 *
 * @example
 * ```ts
 * const tables: CustomerTables = { customers: { customer_id: [1001], signup_date: ["2026-01-02"] }, churn: { customer_id: [], churned_at: [] } };
 * ```
 */
export interface CustomerTables {
  readonly customers: {
    readonly customer_id: readonly number[];
    readonly signup_date: readonly string[];
  };
  readonly churn: {
    readonly customer_id: readonly number[];
    readonly churned_at: readonly string[];
  };
}

const DAY_MS = 86_400_000;

/**
 * Who is a customer on a given day and whether they churned soon after: the ground truth the
 * demo's scoring traffic and its delayed feedback labels come from. A customer is subscribed on
 * day `d` from the day after signing up until the day they churn (inclusive); their label for a
 * request on day `d` is `yes` when they churn within `horizonDays` from `d`, as the training
 * labels of `examples/churn/keel.config.ts` are defined.
 *
 * @example
 * ```ts
 * const book = new CustomerBook(sim, 14);
 * book.sample(Date.parse("2026-02-02"), 100, 7); // 100 customer ids
 * book.label(1001, Date.parse("2026-02-02"));     // "no"
 * ```
 */
export class CustomerBook {
  readonly #ids: readonly number[];
  readonly #signup: Float64Array;
  readonly #churn = new Map<number, number>();
  readonly #horizonMs: number;

  constructor(tables: CustomerTables, horizonDays: number) {
    this.#ids = tables.customers.customer_id;
    this.#signup = Float64Array.from(tables.customers.signup_date, (d) =>
      Date.parse(`${d}T00:00:00Z`),
    );
    tables.churn.customer_id.forEach((id, i) => {
      this.#churn.set(id, Date.parse(`${tables.churn.churned_at[i]}T00:00:00Z`));
    });
    this.#horizonMs = horizonDays * DAY_MS;
  }

  /** Customers subscribed on the day (epoch ms of its midnight, UTC). */
  subscribed(dayMs: number): number[] {
    const out: number[] = [];
    this.#ids.forEach((id, i) => {
      const churned = this.#churn.get(id);
      if ((this.#signup[i] as number) < dayMs && (churned === undefined || churned >= dayMs))
        out.push(id);
    });
    return out;
  }

  /** `n` subscribed customers of the day, picked by a seeded shuffle (the same for a seed and day). */
  sample(dayMs: number, n: number, seed: number): number[] {
    const pool = this.subscribed(dayMs);
    let state = (seed ^ Math.floor(dayMs / DAY_MS)) >>> 0;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
    }
    return pool.slice(0, n);
  }

  /** Whether the customer churned within the horizon from the day: the feedback label. */
  label(customerId: number, dayMs: number): "yes" | "no" {
    const churned = this.#churn.get(customerId);
    return churned !== undefined && churned >= dayMs && churned < dayMs + this.#horizonMs
      ? "yes"
      : "no";
  }
}
