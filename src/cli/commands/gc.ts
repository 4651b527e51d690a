import { KeelError } from "../../core/index.js";
import { defineCommand, read } from "../command.js";
import { DB_OPTION, trackingFor } from "./runs.js";

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `7d`, `12h`, `30m`, `45s` or `0` into milliseconds.
 *
 * @example
 * ```ts
 * parseDuration("7d", "--older-than"); // 604800000
 * ```
 */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match)
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${option} expects a duration like 7d, 12h, 30m or 0; got '${text}'`,
    );
  return Number(match[1]) * (UNITS[match[2] || "s"] ?? 1000);
}

/**
 * `keel gc`: purges deleted runs and deletes artifact files nothing references any more.
 *
 * @example
 * ```sh
 * keel gc --older-than 7d
 * ```
 */
export const gcCommand = defineCommand({
  path: ["gc"],
  summary: "Purge deleted runs and unreferenced artifacts",
  usage: "[--older-than DURATION]",
  positionals: [0, 0],
  options: {
    "older-than": {
      type: "string",
      valueName: "DURATION",
      description: "only runs deleted at least this long ago (default 0)",
    },
    grace: {
      type: "string",
      valueName: "DURATION",
      description: "leave unrecorded files younger than this (default 1h)",
    },
    ...DB_OPTION,
  },
  async run(ctx) {
    const olderThan = read.string(ctx.options, "older-than");
    const grace = read.string(ctx.options, "grace");
    const tracking = await trackingFor(ctx);
    try {
      const report = await tracking.gc({
        ...(olderThan === undefined
          ? {}
          : { olderThanMs: parseDuration(olderThan, "--older-than") }),
        ...(grace === undefined ? {} : { graceMs: parseDuration(grace, "--grace") }),
      });
      ctx.out(
        ctx.json
          ? `${JSON.stringify(report)}\n`
          : `purged ${report.runsPurged} run(s); deleted ${report.blobsDeleted + report.orphansDeleted} artifact file(s), ${report.bytesFreed} bytes; ${report.tempDeleted} stale temp file(s)\n`,
      );
      return 0;
    } finally {
      await tracking.close();
    }
  },
});
