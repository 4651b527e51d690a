import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { type Dialect, Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { KeelError } from "../core/index.js";
import { migrate, type SqlDialectName, writeTransaction } from "./migrations.js";
import { type QueryRouting, RoutedDriver } from "./routed-driver.js";
import type { KeelDatabase } from "./schema.js";
import { SqliteReader } from "./sqlite-reader.js";

/**
 * Where the metadata lives.
 *
 * @example
 * ```ts
 * const options: OpenDatabaseOptions = { root: "/srv/project" };          // SQLite .keel/keel.db
 * const scaled: OpenDatabaseOptions = { dbUrl: "postgres://u@db:5432/ml" }; // PostgreSQL
 * ```
 */
export interface OpenDatabaseOptions {
  /** Project directory; the SQLite file is `<root>/.keel/keel.db`. Default: `process.cwd()`. */
  readonly root?: string;
  /**
   * `postgres://…` for PostgreSQL, `sqlite:<path>` or a file path for SQLite. Default:
   * `process.env.KEEL_DB_URL`, else the project's `.keel/keel.db`.
   */
  readonly dbUrl?: string;
  /** PostgreSQL only: the schema (namespace) to use, created if absent. Default `public`. */
  readonly pgSchema?: string;
  /** SQLite only: how long a writer waits for the lock, in ms. Default 10000. */
  readonly busyTimeoutMs?: number;
  /** A statement time limit to start with (see {@link MetadataDatabase.setStatementTimeout}). */
  readonly statementTimeoutMs?: number;
}

/**
 * An open metadata database: a typed Kysely handle, its dialect and how to close it.
 *
 * @example
 * ```ts
 * const store = await openDatabase({ root: "." });
 * const n = await store.db.selectFrom("runs").select((eb) => eb.fn.countAll().as("n")).executeTakeFirst();
 * await store.close();
 * ```
 */
export interface MetadataDatabase {
  readonly db: Kysely<KeelDatabase>;
  readonly dialect: SqlDialectName;
  /** A printable location (file path, or the URL without its password). */
  readonly location: string;
  /** The raw better-sqlite3 handle on SQLite (for bulk fast paths), else undefined. */
  readonly sqlite: Database.Database | undefined;
  /**
   * PostgreSQL only: how to open another connection to the same database and schema (the
   * prediction log's writer thread does).
   */
  readonly postgres?: { readonly url: string; readonly schema?: string };
  /** Runs `work` in a write transaction (see {@link writeTransaction}). */
  write<T>(work: (tx: Kysely<KeelDatabase>) => Promise<T>): Promise<T>;
  /**
   * Sets a statement time limit in ms (0: none, the default), as a server does so that no
   * request can hold the store for long. A statement that runs longer fails with
   * `KEEL_ERR_QUERY_TIMEOUT` (HTTP 503). On PostgreSQL it is the session's `statement_timeout`.
   * On a SQLite file, reads outside transactions then run in a separate reader process, off the
   * event loop, which is killed (and restarted) when a statement overruns; writes and
   * transactions stay on the main connection. An in-memory SQLite database keeps every
   * statement on the main connection, without a limit.
   *
   * @example
   * ```ts
   * store.setStatementTimeout(10_000);
   * ```
   */
  setStatementTimeout(ms: number): void;
  /**
   * PostgreSQL only (undefined on SQLite): LISTENs on `channel` on a dedicated connection and
   * calls `onMessage` with each NOTIFY payload. `onError` hears a lost connection (the
   * subscription is then dead; callers fall back to polling). Close it before the database.
   *
   * @example
   * ```ts
   * const sub = await store.listen?.("keel_alias_moves", (payload) => console.log(payload));
   * await sub?.close();
   * ```
   */
  readonly listen?: (
    channel: string,
    onMessage: (payload: string) => void,
    onError?: (error: Error) => void,
  ) => Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

// PostgreSQL returns int8 as strings to avoid precision loss; keel's int8 columns are epoch
// milliseconds and ids, all far below 2^53, so numbers are exact and far easier to use.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

/**
 * Opens (creating if needed) the metadata database and brings its schema up to date. SQLite
 * runs in WAL mode with a busy timeout so that several processes can log to one file.
 *
 * @example
 * ```ts
 * const store = await openDatabase({ root: process.cwd() });
 * ```
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<MetadataDatabase> {
  const url = options.dbUrl ?? process.env.KEEL_DB_URL;
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  const root = resolve(options.root ?? process.cwd());
  const file =
    url === undefined || url === ""
      ? join(root, ".keel", "keel.db")
      : resolve(root, url.replace(/^sqlite:(\/\/)?/, ""));
  const store = await openSqlite(file, options.busyTimeoutMs ?? 10_000);
  if (options.statementTimeoutMs) store.setStatementTimeout(options.statementTimeoutMs);
  return store;
}

/** A Kysely dialect whose driver is wrapped in a {@link RoutedDriver}. */
function routed(dialect: Dialect, routing: QueryRouting): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new RoutedDriver(dialect.createDriver(), routing),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

/**
 * Creates the store's file owner-only: the directory 0700 when it is made here, the database
 * file 0600 (SQLite gives its -wal and -shm files the database file's mode).
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
}

async function openSqlite(file: string, busyTimeoutMs: number): Promise<MetadataDatabase> {
  let sqlite: Database.Database;
  const inMemory = file === ":memory:";
  try {
    if (!inMemory) createPrivately(file);
    sqlite = new Database(file, { timeout: busyTimeoutMs });
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
  } catch (error) {
    throw new KeelError(
      "KEEL_ERR_DB_CONNECTION",
      `cannot open the SQLite metadata store at ${file}: ${(error as Error).message}`,
      { cause: error, details: { file } },
    );
  }
  const routing: QueryRouting = { reader: undefined, pgStatementTimeoutMs: 0 };
  const db = new Kysely<KeelDatabase>({
    dialect: routed(new SqliteDialect({ database: sqlite }), routing),
  });
  const store: MetadataDatabase = {
    db,
    dialect: "sqlite",
    location: file,
    sqlite,
    write: (work) => writeTransaction(db, "sqlite", work),
    setStatementTimeout(ms) {
      const old = routing.reader;
      routing.reader =
        ms > 0 && !inMemory
          ? new SqliteReader(file, { statementTimeoutMs: ms, busyTimeoutMs })
          : undefined;
      routing.reader?.start();
      void old?.close();
    },
    async close() {
      const reader = routing.reader;
      routing.reader = undefined;
      await reader?.close();
      await db.destroy();
    },
  };
  await migrateOrClose(store);
  return store;
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<MetadataDatabase> {
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `pgSchema must be a lower-case SQL identifier, got ${JSON.stringify(schema)}`,
      { details: { pgSchema: schema } },
    );
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    types: pgTypes,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const location = url.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@");
  try {
    const client = await pool.connect();
    try {
      if (schema !== undefined) await client.query(`create schema if not exists ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new KeelError(
      "KEEL_ERR_DB_CONNECTION",
      `cannot connect to PostgreSQL at ${location}: ${(error as Error).message}`,
      { cause: error, details: { url: location } },
    );
  }
  const routing: QueryRouting = {
    reader: undefined,
    pgStatementTimeoutMs: options.statementTimeoutMs ?? 0,
  };
  const db = new Kysely<KeelDatabase>({ dialect: routed(new PostgresDialect({ pool }), routing) });
  const store: MetadataDatabase = {
    db,
    dialect: "postgres",
    location,
    sqlite: undefined,
    postgres: { url, ...(schema === undefined ? {} : { schema }) },
    write: (work) => writeTransaction(db, "postgres", work),
    setStatementTimeout(ms) {
      routing.pgStatementTimeoutMs = Math.max(0, ms);
    },
    listen: (channel, onMessage, onError) => listenOn(pool, channel, onMessage, onError),
    close: () => db.destroy(),
  };
  await migrateOrClose(store);
  return store;
}

async function listenOn(
  pool: pg.Pool,
  channel: string,
  onMessage: (payload: string) => void,
  onError: ((error: Error) => void) | undefined,
): Promise<{ close(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel))
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `listen: channel must be a lower-case SQL identifier, got ${JSON.stringify(channel)}`,
      { details: { channel } },
    );
  const client = await pool.connect();
  const onNotification = (message: pg.Notification): void => {
    if (message.channel === channel) onMessage(message.payload ?? "");
  };
  let broken: Error | undefined;
  // An unhandled 'error' on a pg client would crash the process; a lost listener is reported.
  const onClientError = (error: Error): void => {
    broken = error;
    onError?.(error);
  };
  client.on("notification", onNotification);
  client.on("error", onClientError);
  try {
    await client.query(`LISTEN ${channel}`);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  return {
    async close() {
      client.off("notification", onNotification);
      if (broken === undefined) await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      client.off("error", onClientError);
      client.release(broken);
    },
  };
}

async function migrateOrClose(store: MetadataDatabase): Promise<void> {
  try {
    await migrate(store.db, store.dialect);
  } catch (error) {
    await store.close();
    throw error;
  }
}
