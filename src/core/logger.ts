/** Severity levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * What keel's modules log through. Algorithms take a logger instead of writing to the console,
 * so the CLI, the server and tests each decide where lines go.
 *
 * @example
 * ```ts
 * function train(options: { logger?: Logger }) {
 *   const log = options.logger ?? nullLogger;
 *   log.info("boosting round", { round: 10, loss: 0.41 });
 * }
 * ```
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** One emitted log line. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
  readonly time: number;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Creates a logger that passes records at or above `level` to `sink`.
 *
 * @example
 * ```ts
 * const lines: LogRecord[] = [];
 * const log = createLogger({ level: "info", sink: (r) => lines.push(r) });
 * log.child({ run: "abc" }).info("started");
 * ```
 */
export function createLogger(options: {
  level?: LogLevel;
  sink: (record: LogRecord) => void;
  fields?: LogFields;
}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const base = options.fields ?? {};
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVELS[level] >= threshold)
      options.sink({ level, message, fields: { ...base, ...fields }, time: Date.now() });
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/**
 * A logger that drops everything: the default inside algorithms.
 *
 * @example
 * ```ts
 * const log = options.logger ?? nullLogger;
 * ```
 */
export const nullLogger: Logger = createLogger({ level: "error", sink: () => {} });

/**
 * Reports progress of long work (boosting rounds, trials, folds, rows read). The CLI renders it
 * as a progress bar; libraries call it without knowing about terminals.
 *
 * @example
 * ```ts
 * const progress = options.progress ?? nullProgress;
 * progress.start(nRounds, "boosting");
 * for (let r = 0; r < nRounds; r++) { step(); progress.advance(1, { loss }); }
 * progress.finish();
 * ```
 */
export interface Progress {
  start(total: number, label: string): void;
  advance(amount: number, status?: Record<string, number | string>): void;
  finish(): void;
}

/**
 * A progress reporter that reports nothing.
 *
 * @example
 * ```ts
 * const progress = options.progress ?? nullProgress;
 * ```
 */
export const nullProgress: Progress = { start() {}, advance() {}, finish() {} };
