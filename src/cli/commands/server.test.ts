import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CliIo, runCli } from "../run.js";
import { isLoopback, parseBytes } from "./server.js";

const root = mkdtempSync(join(tmpdir(), "keel-cli-server-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function keel(...argv: string[]) {
  let err = "";
  const io: CliIo = {
    out: () => {},
    err: (t) => {
      err += t;
    },
    interactive: false,
    cwd: root,
    env: {},
  };
  const code = await runCli(argv, io);
  return { code, err };
}

describe("keel server", () => {
  it("refuses to listen beyond loopback without tokens unless --allow-insecure", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10"]) {
      const { code, err } = await keel("server", "--host", host, "--port", "0");
      expect(code, host).toBe(2);
      expect(err).toMatch(/KEEL_ERR_INSECURE_BIND/);
      expect(err).toMatch(/--allow-insecure/);
    }
  });

  it("reads sizes and tells loopback addresses", () => {
    expect(parseBytes("500MB", "--upload-limit")).toBe(500_000_000);
    expect(parseBytes("2GiB", "--upload-limit")).toBe(2 * 1024 ** 3);
    expect(parseBytes("1024", "--upload-limit")).toBe(1024);
    expect(() => parseBytes("lots", "--upload-limit")).toThrow(/--upload-limit/);
    expect(() => parseBytes("5constructor", "--upload-limit")).toThrow(/--upload-limit/);
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "example.com", "127.example.com"])
      expect(isLoopback(h), h).toBe(false);
  });
});
