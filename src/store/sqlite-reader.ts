import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { KeelError } from "../core/index.js";

/**
 * The reader process's program (CommonJS, run with `node -e`): one read-only better-sqlite3
 * connection on the same file, answering `{ id, sql, parameters }` with `{ id, rows }` or
 * `{ id, error }`. It exits when its parent goes away.
 */
const READER_SOURCE = `
const Database = require(process.env.KEEL_SQLITE_MODULE);
const db = new Database(process.env.KEEL_SQLITE_FILE, {
  fileMustExist: true,
  timeout: Number(process.env.KEEL_SQLITE_BUSY_MS),
});
db.pragma("query_only = 1");
process.send({ ready: true });
const cache = new Map();
process.on("message", ({ id, sql, parameters }) => {
  try {
    let statement = cache.get(sql);
    if (statement === undefined) {
      if (cache.size >= 256) cache.clear();
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    process.send({ id, rows: statement.all(parameters) });
  } catch (error) {
    process.send({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
process.on("disconnect", () => process.exit(0));
`;

interface Pending {
  readonly id: number;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: Error) => void;
}

type Reply =
  | { ready: true }
  | { id: number; rows: unknown[] }
  | { id: number; error: { message: string } };

/**
 * Runs SQLite SELECTs in a separate process holding its own read-only connection to the same
 * file (WAL mode lets it read while the main connection writes), so that a heavy query never
 * blocks the event loop, and a query that runs past the statement time limit is stopped by
 * killing that process: better-sqlite3 has no way to interrupt a statement, and a worker thread
 * stuck inside one cannot be terminated (nor can the process exit while it runs). Queries run
 * one at a time in arrival order; the process starts on first use and again after a kill.
 *
 * @example
 * ```ts
 * const reader = new SqliteReader("/srv/churn/.keel/keel.db", { statementTimeoutMs: 10_000 });
 * const rows = await reader.query("select run_uuid from runs where status = ?", ["FINISHED"]);
 * await reader.close();
 * ```
 */
export class SqliteReader {
  readonly #file: string;
  readonly #timeoutMs: number;
  readonly #busyTimeoutMs: number;
  readonly #queue: Pending[] = [];
  #child: ChildProcess | undefined;
  /** The child has opened the database (its start-up does not count against the limit). */
  #ready = false;
  #current: Pending | undefined;
  #timer: NodeJS.Timeout | undefined;
  #nextId = 1;
  #closed = false;

  constructor(file: string, options: { statementTimeoutMs: number; busyTimeoutMs?: number }) {
    this.#file = file;
    this.#timeoutMs = options.statementTimeoutMs;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  }

  /**
   * Starts the reader process now rather than on the first query (starting a process blocks
   * the calling thread for a moment, which a server had better pay before it takes requests).
   *
   * @example
   * ```ts
   * reader.start();
   * ```
   */
  start(): void {
    if (this.#closed) return;
    this.#spawned();
    this.#pump();
  }

  /** The statement time limit in milliseconds. @example `reader.statementTimeoutMs; // 10000` */
  get statementTimeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Runs one SELECT with positional parameters and resolves to its rows.
   *
   * @example
   * ```ts
   * const rows = await reader.query("select count(*) as n from runs", []);
   * ```
   */
  query(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.#closed)
      return Promise.reject(
        new KeelError("KEEL_ERR_STORE", "the metadata store is closed", {
          details: { file: this.#file },
        }),
      );
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, sql, parameters, resolve, reject });
      this.#pump();
    });
  }

  /**
   * Stops the reader process; queued queries fail.
   *
   * @example
   * ```ts
   * await reader.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = new KeelError("KEEL_ERR_STORE", "the metadata store was closed", {
      details: { file: this.#file },
    });
    for (const pending of this.#queue.splice(0)) pending.reject(closed);
    if (this.#current) this.#finish(this.#current.id)?.reject(closed);
    this.#kill();
  }

  #pump(): void {
    if (this.#current !== undefined || this.#closed) return;
    const next = this.#queue[0];
    if (next === undefined) {
      // An idle reader must not keep the process alive.
      this.#child?.unref();
      this.#child?.channel?.unref();
      return;
    }
    const child = this.#spawned();
    child.ref();
    child.channel?.ref();
    if (!this.#ready) return;
    this.#queue.shift();
    this.#current = next;
    this.#timer = setTimeout(() => this.#timedOut(next), this.#timeoutMs);
    child.send({ id: next.id, sql: next.sql, parameters: next.parameters });
  }

  #spawned(): ChildProcess {
    if (this.#child !== undefined) return this.#child;
    const child = spawn(process.execPath, ["-e", READER_SOURCE], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "advanced",
      env: {
        ...process.env,
        KEEL_SQLITE_MODULE: createRequire(import.meta.url).resolve("better-sqlite3"),
        KEEL_SQLITE_FILE: this.#file,
        KEEL_SQLITE_BUSY_MS: String(this.#busyTimeoutMs),
      },
    });
    child.on("message", (reply: Reply) => {
      if ("ready" in reply) {
        this.#ready = true;
        this.#pump();
        return;
      }
      const pending = this.#finish(reply.id);
      if (pending === undefined) return;
      if ("rows" in reply) pending.resolve(reply.rows);
      else
        pending.reject(
          new KeelError("KEEL_ERR_STORE", `SQLite query failed: ${reply.error.message}`, {
            details: { file: this.#file },
          }),
        );
      this.#pump();
    });
    child.on("exit", (code, signal) => {
      if (this.#child !== child) return;
      const started = this.#ready;
      this.#child = undefined;
      this.#ready = false;
      const failure = new KeelError(
        "KEEL_ERR_STORE",
        `the SQLite reader process ${started ? "stopped" : "could not start"} (${signal ?? `exit code ${code}`})`,
        { details: { file: this.#file } },
      );
      const pending = this.#current && this.#finish(this.#current.id);
      pending?.reject(failure);
      // A reader that cannot even open the file would fail again: fail what waits instead.
      if (!started) for (const waiting of this.#queue.splice(0)) waiting.reject(failure);
      this.#pump();
    });
    this.#child = child;
    this.#ready = false;
    return child;
  }

  #finish(id: number): Pending | undefined {
    const pending = this.#current;
    if (pending === undefined || pending.id !== id) return undefined;
    clearTimeout(this.#timer);
    this.#current = undefined;
    return pending;
  }

  #timedOut(pending: Pending): void {
    if (this.#finish(pending.id) === undefined) return;
    this.#kill();
    pending.reject(statementTimeout(this.#timeoutMs));
    // Start the replacement now, not inside the next request.
    this.start();
  }

  #kill(): void {
    const child = this.#child;
    this.#child = undefined;
    this.#ready = false;
    child?.kill("SIGKILL");
  }
}

/**
 * The error of a statement stopped by the statement time limit.
 *
 * @example
 * ```ts
 * throw statementTimeout(10_000);
 * ```
 */
export function statementTimeout(limitMs: number): KeelError {
  return new KeelError(
    "KEEL_ERR_QUERY_TIMEOUT",
    `the query ran longer than the statement time limit of ${limitMs} ms and was stopped; narrow the filter or raise the limit`,
    { details: { statementTimeoutMs: limitMs } },
  );
}
