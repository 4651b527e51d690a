import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { KeelError, loneSurrogateIndex } from "../core/index.js";
import { type SqliteReader, statementTimeout } from "./sqlite-reader.js";

/**
 * What a {@link RoutedDriver} consults on every connection: where plain reads go, and which
 * statement time limit each PostgreSQL session must carry. Both change at run time (see
 * `MetadataDatabase.setStatementTimeout`).
 *
 * @example
 * ```ts
 * const routing: QueryRouting = { reader: undefined, pgStatementTimeoutMs: 0 };
 * ```
 */
export interface QueryRouting {
  /** SQLite: SELECTs outside a transaction run here (off the event loop) when set. */
  reader: SqliteReader | undefined;
  /** PostgreSQL: `statement_timeout` for every session, 0 for none. */
  pgStatementTimeoutMs: number;
}

// PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
const QUERY_CANCELED = "57014";

/**
 * Wraps a Kysely driver: on SQLite, a SELECT run on its own (not inside a transaction or after
 * a write on the same connection) goes to the off-thread reader instead of taking the main
 * connection; on PostgreSQL each session is given the current statement time limit before use,
 * and a statement cancelled by it becomes `KEEL_ERR_QUERY_TIMEOUT`.
 *
 * @example
 * ```ts
 * const driver = new RoutedDriver(new SqliteDialect({ database }).createDriver(), routing);
 * ```
 */
export class RoutedDriver implements Driver {
  readonly #inner: Driver;
  readonly #routing: QueryRouting;
  readonly #sessionTimeouts = new WeakMap<DatabaseConnection, number>();

  constructor(inner: Driver, routing: QueryRouting) {
    this.#inner = inner;
    this.#routing = routing;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.#routing, () => this.#acquireMain());
  }

  async #acquireMain(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection();
    const wanted = this.#routing.pgStatementTimeoutMs;
    if ((this.#sessionTimeouts.get(connection) ?? 0) !== wanted) {
      try {
        await connection.executeQuery(
          CompiledQuery.raw(`set statement_timeout = ${Math.max(0, Math.floor(wanted))}`),
        );
      } catch (error) {
        await this.#inner.releaseConnection(connection);
        throw error;
      }
      this.#sessionTimeouts.set(connection, wanted);
    }
    return connection;
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await this.#inner.beginTransaction(await main(connection), settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#inner.commitTransaction(await main(connection));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#inner.rollbackTransaction(await main(connection));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.#inner.savepoint?.(await main(connection), name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(await main(connection), name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.#inner.releaseSavepoint?.(await main(connection), name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const held = (connection as RoutedConnection).held;
    if (held !== undefined) await this.#inner.releaseConnection(held);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

function main(connection: DatabaseConnection): Promise<DatabaseConnection> {
  return (connection as RoutedConnection).main();
}

/** A connection that takes the real one only when a statement needs it. */
class RoutedConnection implements DatabaseConnection {
  readonly #routing: QueryRouting;
  readonly #acquire: () => Promise<DatabaseConnection>;
  #held: Promise<DatabaseConnection> | undefined;
  held: DatabaseConnection | undefined;

  constructor(routing: QueryRouting, acquire: () => Promise<DatabaseConnection>) {
    this.#routing = routing;
    this.#acquire = acquire;
  }

  main(): Promise<DatabaseConnection> {
    this.#held ??= this.#acquire().then((c) => {
      this.held = c;
      return c;
    });
    return this.#held;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    checkTextParameters(query);
    const reader = this.#routing.reader;
    // Once this connection holds the main one (a transaction, or a write), every statement
    // stays there so that it sees its own uncommitted work.
    if (reader !== undefined && this.#held === undefined && query.query.kind === "SelectQueryNode")
      return { rows: (await reader.query(query.sql, query.parameters)) as R[] };
    const connection = await this.main();
    try {
      return await connection.executeQuery<R>(query);
    } catch (error) {
      throw asTimeout(error, this.#routing.pgStatementTimeoutMs);
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    checkTextParameters(query);
    const connection = await this.main();
    yield* connection.streamQuery<R>(query, chunkSize);
  }
}

/**
 * Refuses a statement whose text parameters hold an unpaired UTF-16 surrogate (JSON's
 * `"\ud800"` decodes to one). Both SQLite and PostgreSQL store UTF-8, and the drivers would
 * silently write U+FFFD in its place, so what was stored would differ from what was sent:
 * every write through the store fails instead, whichever module issued it.
 *
 * @example
 * ```ts
 * checkTextParameters(CompiledQuery.raw("select ?", ["ok"])); // passes
 * ```
 */
export function checkTextParameters(query: CompiledQuery): void {
  query.parameters.forEach((value, index) => {
    if (typeof value !== "string") return;
    const at = loneSurrogateIndex(value);
    if (at < 0) return;
    throw new KeelError(
      "KEEL_ERR_INVALID_TEXT",
      `cannot store text with an unpaired UTF-16 surrogate (at code unit ${at} of ${value.length}): UTF-8 cannot encode it, and the database would keep U+FFFD instead`,
      { details: { parameterIndex: index, codeUnit: at } },
    );
  });
}

function asTimeout(error: unknown, limitMs: number): unknown {
  if ((error as { code?: unknown } | null)?.code === QUERY_CANCELED && limitMs > 0)
    return statementTimeout(limitMs);
  return error;
}
