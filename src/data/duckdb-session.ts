import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { KeelError } from "../core/index.js";

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
      return new DuckDbSession(instance, await instance.connect());
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_DB_CONNECTION",
        `Cannot open the DuckDB database '${path}': ${firstLine(error)}`,
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
  }
}

/**
 * Runs `work` with a fresh session and always closes it.
 *
 * @example
 * ```ts
 * const n = await withDuckDb(async (s) => (await s.connection.runAndReadAll("SELECT 1")).getRows());
 * ```
 */
export async function withDuckDb<T>(
  work: (session: DuckDbSession) => Promise<T>,
  path = ":memory:",
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const session = await DuckDbSession.open(path, options);
  try {
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
