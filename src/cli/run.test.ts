import { describe, expect, it } from "vitest";
import { keelVersion, runCli } from "./run.js";
import { captureIo } from "./testing/capture-io.js";

describe("runCli", () => {
  it("prints the version from package.json", async () => {
    const io = captureIo();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(io.stdout().trim()).toBe(keelVersion());
    expect(keelVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("prints help with exit 0", async () => {
    const io = captureIo();
    expect(await runCli(["--help"], io)).toBe(0);
    expect(io.stdout()).toContain("Usage: keel <command> [options]");
  });

  it("rejects an unknown command in one line with exit 2 and no stack", async () => {
    const io = captureIo();
    expect(await runCli(["frobnicate"], io)).toBe(2);
    expect(io.stderr()).toBe(
      "error KEEL_ERR_USAGE: Unknown command 'keel frobnicate'. See 'keel --help'.\n",
    );
  });
});

describe("command list", () => {
  it("loads every listed command under the path it is listed at", async () => {
    const { commands } = await import("./commands/index.js");
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.path).toEqual(entry.path);
    }
  });
});

describe("command groups", () => {
  it("shows the group's commands for 'keel data --help'", async () => {
    const io = captureIo();
    expect(await runCli(["data", "--help"], io)).toBe(0);
    expect(io.stdout()).toContain("keel data profile");
    expect(io.stdout()).not.toContain("keel train");
  });

  it("asks for a subcommand when a group is given alone", async () => {
    const io = captureIo();
    expect(await runCli(["data"], io)).toBe(2);
    expect(io.stderr()).toContain("'keel data' needs a subcommand: profile, validate.");
  });

  it("points a singular group name at the group, and the pipelines help at the commands that run them", async () => {
    const io = captureIo();
    expect(await runCli(["pipeline", "--help"], io)).toBe(2);
    expect(io.stderr()).toContain(
      "Unknown command 'keel pipeline'. Did you mean 'keel pipelines'?",
    );
    const help = captureIo();
    expect(await runCli(["pipelines", "--help"], help)).toBe(0);
    expect(help.stdout()).toContain("keel pipelines list");
    expect(help.stdout()).toContain("Run them: keel run PIPELINE");
  });
});
