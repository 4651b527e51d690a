import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { KeelError } from "../core/index.js";

const STREAMING_BUFFER = "32MB";

/**
 * One DuckDB database and a connection to it, opened for one operation and closed after.
 * In-memory by default; a file path opens that database (read-only when asked).
 *
 * @example
 * ```ts
 * const session = await DuckDbSession.open();
 * try {
 *   await session.connection.run("SELECT 1");
 * } finally {
 *   session.close();
 * }
 * ```
 */
export class DuckDbSession {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  #spill: string | undefined;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.connection = connection;
  }

  /**
   * Opens a session on `path` (`":memory:"` by default).
   *
   * @example
   * ```ts
   * const session = await DuckDbSession.open("warehouse.duckdb", { readOnly: true });
   * ```
   */
  static async open(
    path = ":memory:",
    options: { readOnly?: boolean } = {},
  ): Promise<DuckDbSession> {
    try {
      const instance = await DuckDBInstance.create(
        path,
        options.readOnly && path !== ":memory:" ? { access_mode: "READ_ONLY" } : {},
      );
      const connection = await instance.connect();
      // DuckDB fills a streamed result ahead of the reader, in parallel, up to this many
      // bytes; the default (~1 MB) leaves its threads idle while JavaScript copies a chunk,
      // and 64 MB held more memory without reading faster (bench/read-csv).
      await connection.run(`SET streaming_buffer_size = '${STREAMING_BUFFER}'`);
      return new DuckDbSession(instance, connection);
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_DB_CONNECTION",
        `Cannot open the DuckDB database '${path}': ${errorReason(error)}`,
        { details: { database: path }, cause: error },
      );
    }
  }

  /**
   * Closes the connection and the database.
   *
   * @example
   * ```ts
   * session.close();
   * ```
   */
  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
    if (this.#spill !== undefined) rmSync(this.#spill, { recursive: true, force: true });
  }

  /**
   * Switches off DuckDB's access to files for the rest of the session, except reading the
   * `files` given (absolute paths): SQL that came from a checks file or a user can then
   * neither read (`read_csv('/etc/passwd')`) nor write (`COPY ... TO`) anything else, nor
   * install or attach anything, and cannot switch access back on (the configuration is
   * locked). DuckDB keeps its spill directory usable, so it gets a private, empty one.
   *
   * @example
   * ```ts
   * await session.confine(["/data/telco.csv"]);
   * await session.connection.run("SELECT * FROM read_text('/etc/passwd')"); // Permission Error
   * ```
   */
  async confine(files: readonly string[]): Promise<void> {
    this.#spill = mkdtempSync(join(tmpdir(), "keel-duckdb-"));
    const run = (sql: string) => this.connection.run(sql);
    await run(`SET temp_directory = ${quoteLiteral(this.#spill)}`);
    await run(`SET allowed_paths = [${files.map(quoteLiteral).join(", ")}]`);
    await run("SET enable_external_access = false");
    await run("SET lock_configuration = true");
  }
}

/**
 * Runs `work` with a fresh session and always closes it; `confine` switches off file access
 * first (see {@link DuckDbSession.confine}).
 *
 * @example
 * ```ts
 * const n = await withDuckDb(async (s) => (await s.connection.runAndReadAll("SELECT 1")).getRows());
 * ```
 */
export async function withDuckDb<T>(
  work: (session: DuckDbSession) => Promise<T>,
  path = ":memory:",
  options: { readOnly?: boolean; confine?: boolean } = {},
): Promise<T> {
  const session = await DuckDbSession.open(path, options);
  try {
    if (options.confine) await session.confine([]);
    return await work(session);
  } finally {
    session.close();
  }
}

/**
 * Quotes a name for use as a SQL identifier.
 *
 * @example
 * ```ts
 * quoteIdentifier('say "hi"'); // "\"say \"\"hi\"\"\""
 * ```
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string as a SQL literal.
 *
 * @example
 * ```ts
 * quoteLiteral("it's"); // "'it''s'"
 * ```
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The first line of an error's message: DuckDB appends pages of hints users do not need.
 *
 * @example
 * ```ts
 * firstLine(new Error("Parser Error: syntax error\nLINE 1: ...")); // "Parser Error: syntax error"
 * ```
 */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? message).trim();
}

/**
 * The reason in a DuckDB error, on one line: its first line and the explanation lines after
 * it (`CSV Error on Line: 2 — Value with unterminated quote found.`), without the echoed
 * input line, the caret picture and the "Possible fixes" list.
 *
 * @example
 * ```ts
 * errorReason(new Error("Invalid Input Error: CSV Error on Line: 2\nOriginal Line: \"x\nValue with unterminated quote found.\n\nPossible fixes:\n* ..."));
 * // "Invalid Input Error: CSV Error on Line: 2 — Value with unterminated quote found."
 * ```
 */
export function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const kept: string[] = [];
  for (const raw of message.split("\n")) {
    const line = raw.trim();
    if (/^(Possible (fixes|Solution)|LINE \d+:|\* )/i.test(line)) break;
    if (line === "" || /^(Original Line:|\^)/.test(line)) continue;
    kept.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
  }
  return kept.join(" — ") || message.trim();
}
