import { describe, expect, it } from "vitest";
import { CustomerBook } from "./customer-book.js";

const tables = {
  customers: {
    customer_id: [1, 2, 3, 4],
    signup_date: ["2026-01-01", "2026-01-01", "2026-01-10", "2026-01-01"],
  },
  churn: { customer_id: [2, 4], churned_at: ["2026-01-05", "2026-01-30"] },
};
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

describe("CustomerBook", () => {
  it("counts a customer from the day after signup through the churn day", () => {
    const book = new CustomerBook(tables, 14);
    expect(book.subscribed(day("2026-01-01"))).toEqual([]);
    expect(book.subscribed(day("2026-01-05"))).toEqual([1, 2, 4]);
    expect(book.subscribed(day("2026-01-06"))).toEqual([1, 4]);
    expect(book.subscribed(day("2026-01-11"))).toEqual([1, 3, 4]);
  });

  it("labels yes when the churn falls within the horizon from the day, as training does", () => {
    const book = new CustomerBook(tables, 14);
    expect(book.label(4, day("2026-01-16"))).toBe("no"); // churns 14 days later: outside
    expect(book.label(4, day("2026-01-17"))).toBe("yes");
    expect(book.label(4, day("2026-01-30"))).toBe("yes");
    expect(book.label(1, day("2026-01-17"))).toBe("no");
  });

  it("samples the same customers for a seed and day, without repeats", () => {
    const book = new CustomerBook(tables, 14);
    const a = book.sample(day("2026-01-11"), 2, 7);
    expect(book.sample(day("2026-01-11"), 2, 7)).toEqual(a);
    expect(new Set(a).size).toBe(2);
    expect(book.sample(day("2026-01-11"), 10, 7).sort()).toEqual([1, 3, 4]);
  });
});
