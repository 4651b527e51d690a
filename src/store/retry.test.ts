import { describe, expect, it } from "vitest";
import { isKeelError, KeelError } from "../core/index.js";
import { classifyWriteFailure, retryWrite } from "./retry.js";

const driverError = (code: string, message = code) => Object.assign(new Error(message), { code });
const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

describe("retryWrite", () => {
  it("classifies PostgreSQL and SQLite failures by driver code", () => {
    expect(classifyWriteFailure(driverError("40P01"))).toBe("retry");
    expect(classifyWriteFailure(driverError("40001"))).toBe("retry");
    expect(classifyWriteFailure(driverError("SQLITE_BUSY"))).toBe("retry");
    expect(classifyWriteFailure(driverError("23505"))).toBe("duplicate");
    expect(classifyWriteFailure(driverError("SQLITE_CONSTRAINT_PRIMARYKEY"))).toBe("duplicate");
    expect(classifyWriteFailure(driverError("42P01"))).toBe("other");
    expect(classifyWriteFailure(new KeelError("KEEL_ERR_INVALID_STATE", "x"))).toBe("other");
  });

  it("runs the transaction again until it commits", async () => {
    let calls = 0;
    const result = await retryWrite(async () => {
      calls++;
      if (calls < 3) throw driverError("40P01", "deadlock detected");
      return "committed";
    }, fast);
    expect([result, calls]).toEqual(["committed", 3]);
  });

  it("gives up with STORE_BUSY (503) or RESOURCE_ALREADY_EXISTS (400), never a driver error", async () => {
    let calls = 0;
    const busy = await retryWrite(async () => {
      calls++;
      throw driverError("40001", "could not serialize access");
    }, fast).catch((e: unknown) => e);
    expect(isKeelError(busy, "KEEL_ERR_STORE_BUSY")).toBe(true);
    expect((busy as KeelError).status).toBe(503);
    expect(calls).toBe(4);
    let tries = 0;
    const duplicate = await retryWrite(async () => {
      tries++;
      throw driverError("23505", "duplicate key value violates unique constraint");
    }, fast).catch((e: unknown) => e);
    expect(isKeelError(duplicate, "KEEL_ERR_RESOURCE_ALREADY_EXISTS")).toBe(true);
    expect(tries).toBe(2);
    const answer = new KeelError("KEEL_ERR_INVALID_STATE", "an answer, not a failure");
    let once = 0;
    await expect(
      retryWrite(async () => {
        once++;
        throw answer;
      }, fast),
    ).rejects.toBe(answer);
    expect(once).toBe(1);
  });
});
