import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KeelError } from "../../core/index.js";
import type { DemoSettings } from "./demo-settings.js";
import type { TrainingOutcome } from "./training-outcome.js";

/**
 * The file in a demo home that says how far the story got.
 *
 * @example
 * ```ts
 * existsSync(join(home, CHECKPOINT_FILE)); // true once the first day can start
 * ```
 */
export const CHECKPOINT_FILE = "demo-state.json";

/**
 * A scored request whose feedback label has not arrived yet.
 *
 * @example
 * ```ts
 * const p: PendingLabel = { requestId: "2026-03-16-1042", customerId: 1042, dayMs: Date.parse("2026-03-16") };
 * ```
 */
export interface PendingLabel {
  readonly requestId: string;
  readonly customerId: number;
  readonly dayMs: number;
}

/**
 * What the traffic replay must remember across a stop: labels still to come and what was
 * served so far.
 *
 * @example
 * ```ts
 * const t: TrafficState = { pending: [], predictions: { champion: 360 }, feedback: 0 };
 * ```
 */
export interface TrafficState {
  readonly pending: readonly PendingLabel[];
  readonly predictions: Readonly<Record<string, number>>;
  readonly feedback: number;
}

/**
 * How far a demo story got, written after the warehouse is ready and after every finished
 * simulated day (and mid-day once the day's traffic is scored, so it is never scored twice).
 * `keel demo --resume` continues from it.
 *
 * @example
 * ```ts
 * const cp = await readCheckpoint(home);
 * cp?.nextDay; // 77: days 70–76 are done
 * ```
 */
export interface DemoCheckpoint {
  readonly format: 1;
  /** The settings the story runs with; a resume must use the same. */
  readonly settings: DemoSettings;
  /** The next simulated day to replay, in days since `settings.start`. */
  readonly nextDay: number;
  /** Day `nextDay`'s schedules ran and its traffic was scored and fed back; its monitor is next. */
  readonly scored: boolean;
  readonly completed: boolean;
  readonly trainings: readonly (TrainingOutcome & { readonly day: string })[];
  readonly alerts: readonly {
    readonly day: string;
    readonly kind: string;
    readonly message: string;
  }[];
  /** Pipeline runs whose outcome the timeline has told. */
  readonly toldRuns: readonly string[];
  readonly traffic: TrafficState;
}

/**
 * Reads the checkpoint of a demo home; undefined when there is none. A file that is not a
 * checkpoint of this format is `KEEL_ERR_PARSE` naming it (start over with `--fresh`).
 *
 * @example
 * ```ts
 * const cp = await readCheckpoint("./keel-demo");
 * ```
 */
export async function readCheckpoint(home: string): Promise<DemoCheckpoint | undefined> {
  const file = join(home, CHECKPOINT_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw unreadable(file, (error as Error).message);
  }
  const cp = parsed as Partial<DemoCheckpoint> | null;
  if (
    cp === null ||
    typeof cp !== "object" ||
    cp.format !== 1 ||
    typeof cp.nextDay !== "number" ||
    typeof cp.settings !== "object" ||
    !Array.isArray(cp.trainings) ||
    typeof cp.traffic !== "object"
  )
    throw unreadable(file, "not a keel demo checkpoint of format 1");
  return cp as DemoCheckpoint;
}

function unreadable(file: string, why: string): KeelError {
  return new KeelError(
    "KEEL_ERR_PARSE",
    `${file} cannot be read (${why}); run keel demo --fresh to start over`,
    { details: { file } },
  );
}

/**
 * Writes the checkpoint atomically (a temporary file renamed over the old one), so a stop
 * while writing leaves the previous checkpoint whole.
 *
 * @example
 * ```ts
 * await writeCheckpoint(home, { ...cp, nextDay: cp.nextDay + 1, scored: false });
 * ```
 */
export async function writeCheckpoint(home: string, checkpoint: DemoCheckpoint): Promise<void> {
  const file = join(home, CHECKPOINT_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(checkpoint)}\n`);
  await rename(`${file}.tmp`, file);
}
