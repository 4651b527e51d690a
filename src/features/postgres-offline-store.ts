import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import { type CellValue, type Column, type ColumnKind, Frame, KeelError } from "../core/index.js";
import { readFrame, readRelationExact, writeFrame } from "../data/index.js";
import { checkEntityColumns, entityRowError } from "./entity-rows.js";
import type { FeatureRepo, ResolvedView } from "./feature-repo.js";
import type { HistoricalQuery, OfflineStore } from "./offline-store.js";
import {
  latestSql,
  microsExpression,
  outputNames,
  outputsByView,
  pointInTimeSql,
  rangeEntitySql,
  rangeViews,
  type ViewRelation,
} from "./pit-sql.js";
import { checkSourceColumnsPresent } from "./source-columns.js";
import { sourceFile } from "./source-file.js";
import type { BatchSource, FileSource, SqlSource } from "./sources.js";
import { type DescribedColumn, INTERNAL, ident } from "./sql-text.js";

/**
 * Options of {@link postgresOfflineStore}.
 *
 * @example
 * ```ts
 * const options: PostgresOfflineOptions = { url: "postgres://postgres@127.0.0.1:5432/test", schema: "features" };
 * ```
 */
export interface PostgresOfflineOptions {
  readonly url: string;
  /** Schema for keel's working tables (entity uploads, push logs). Default `public`. */
  readonly schema?: string;
  /**
   * A DuckDB database file (relative to the project root) that `sqlSource` queries run on,
   * as in the DuckDB offline store; without it they run on an empty in-memory DuckDB (which
   * can still read files: `SELECT * FROM read_parquet('stats.parquet')`).
   */
  readonly duckdbDatabase?: string;
}

const PG_KIND: Readonly<Record<ColumnKind, string>> = {
  numeric: "double precision",
  categorical: "text",
  string: "text",
  boolean: "boolean",
  timestamp: "timestamptz",
};

const BATCH = 1000;

/**
 * The scale-out offline store: PostgreSQL. Feature sources are `postgresSource` queries (and
 * push logs kept in tables `keel_push_<view>`); `fileSource` files (CSV/Parquet) and
 * `sqlSource` DuckDB queries are read in process and loaded into a working table for the
 * duration of one operation, so the join still runs in PostgreSQL. Entity
 * rows are uploaded into a working table for the duration of one retrieval. Each point-in-time join is a LATERAL subquery per
 * view ordered by (timestamp, created) DESC with LIMIT 1, so an index on a source's
 * (join keys, timestamp) serves it.
 *
 * @example
 * ```ts
 * const offline = postgresOfflineStore({ url: process.env.KEEL_PG_URL! });
 * ```
 */
export function postgresOfflineStore(options: PostgresOfflineOptions): OfflineStore {
  const schema = options.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `offline store schema must be a lower-case SQL identifier, got '${schema}'`,
      {
        details: { schema },
      },
    );
  }
  const table = (name: string) => `${ident(schema)}.${ident(name)}`;
  const pushTable = (view: string) => `keel_push_${view.toLowerCase()}`;

  const loadedTables = new WeakMap<pg.Client, string[]>();

  async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: options.url });
    loadedTables.set(client, []);
    try {
      await client.connect();
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_DB_CONNECTION",
        `cannot connect to the PostgreSQL offline store: ${(error as Error).message}`,
        {
          cause: error,
          details: {},
        },
      );
    }
    try {
      await client.query("SET TIME ZONE 'UTC'");
      return await work(client);
    } catch (error) {
      if (error instanceof KeelError) throw error;
      throw new KeelError("KEEL_ERR_SQL", `PostgreSQL offline store: ${(error as Error).message}`, {
        cause: error,
        details: {},
      });
    } finally {
      for (const name of loadedTables.get(client) ?? [])
        await client.query(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined);
      await client.end();
    }
  }

  async function describe(client: pg.Client, relation: string): Promise<DescribedColumn[]> {
    const result = await client.query(`SELECT * FROM ${relation} AS ${INTERNAL}d LIMIT 0`);
    const oids = [...new Set(result.fields.map((f) => f.dataTypeID))];
    const names = await client.query<{ oid: number; name: string }>(
      "SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])",
      [oids],
    );
    const typeName = new Map(names.rows.map((r) => [Number(r.oid), r.name]));
    return result.fields.map((f) => ({ name: f.name, type: typeName.get(f.dataTypeID) ?? "text" }));
  }

  // A file or DuckDB query read into a working table: DuckDB's postgres extension, which
  // could join across the two engines, is downloaded at run time (not possible offline), and
  // a temporary table lets PostgreSQL plan the join with its own statistics.
  async function loadedRelation(
    client: pg.Client,
    repo: FeatureRepo,
    view: ResolvedView,
    source: FileSource | SqlSource,
  ): Promise<string> {
    let frame: Frame;
    if (source.type === "file") {
      frame = await readFrame(sourceFile(repo, view, source));
    } else {
      // The query comes from the project's own config, as in the DuckDB offline store, so it
      // runs with file access (readFrame confines DuckDB queries that come from users).
      const instance = await DuckDBInstance.create(
        options.duckdbDatabase === undefined
          ? ":memory:"
          : resolve(repo.root, options.duckdbDatabase),
        options.duckdbDatabase === undefined ? {} : { access_mode: "READ_ONLY" },
      );
      const connection = await instance.connect();
      try {
        frame = await readRelationExact(connection, source.query, {
          sourceName: `feature view '${view.name}'`,
        });
      } catch (error) {
        if (error instanceof KeelError) throw error;
        throw new KeelError(
          "KEEL_ERR_SQL",
          `feature view '${view.name}': DuckDB failed: ${(error as Error).message.split("\n")[0]}`,
          { cause: error, details: { view: view.name } },
        );
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    }
    // A working table (not TEMP: results are read back over a second connection), dropped
    // when the client that loaded it is done.
    const name = table(`keel_src_${randomBytes(6).toString("hex")}`);
    const columns = frame.schema().map((c) => `${ident(c.name)} ${PG_KIND[c.kind]}`);
    loadedTables.get(client)?.push(name);
    await client.query(`CREATE UNLOGGED TABLE ${name} (${columns.join(", ")})`);
    await insertFrame(client, name, frame, frame.columnNames, false);
    await client.query(`ANALYZE ${name}`);
    return name;
  }

  async function batchRelation(
    client: pg.Client,
    repo: FeatureRepo,
    view: ResolvedView,
    source: BatchSource,
  ): Promise<string> {
    if (source.type === "postgres") return `(${source.query})`;
    return loadedRelation(client, repo, view, source);
  }

  async function relationOf(
    client: pg.Client,
    repo: FeatureRepo,
    view: ResolvedView,
  ): Promise<string> {
    const source = view.definition.source;
    if (source.type !== "push") return batchRelation(client, repo, view, source);
    const parts: string[] = [];
    // The push log keeps join keys as text (pushed JSON may carry numbers or strings); the
    // batch source's keys are cast to match, so the UNION has one type per column.
    const select = pushColumns(view)
      .map((c) =>
        view.joinKeys.includes(c) ? `CAST(${ident(c)} AS text) AS ${ident(c)}` : ident(c),
      )
      .join(", ");
    if (source.batchSource !== undefined) {
      const batch = await batchRelation(client, repo, view, source.batchSource);
      parts.push(`SELECT ${select} FROM ${batch} AS ${INTERNAL}b`);
    }
    const exists = await client.query(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
      [schema, pushTable(view.name)],
    );
    if ((exists.rowCount ?? 0) > 0 || parts.length === 0) {
      await ensurePushTable(client, view);
      parts.push(`SELECT ${select} FROM ${table(pushTable(view.name))}`);
    }
    return `(${parts.join(" UNION ALL ")})`;
  }

  function pushColumns(view: ResolvedView): string[] {
    const d = view.definition;
    return [
      ...view.joinKeys,
      d.timestampField,
      ...(d.createdTimestampField ? [d.createdTimestampField] : []),
      ...view.features.map((f) => f.name),
    ];
  }

  async function ensurePushTable(client: pg.Client, view: ResolvedView): Promise<void> {
    const d = view.definition;
    const columns = [
      ...view.joinKeys.map((k) => `${ident(k)} text`),
      `${ident(d.timestampField)} timestamptz`,
      ...(d.createdTimestampField ? [`${ident(d.createdTimestampField)} timestamptz`] : []),
      ...view.features.map((f) => `${ident(f.name)} ${PG_KIND[f.kind]}`),
    ];
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table(pushTable(view.name))} (${columns.join(", ")})`,
    );
  }

  async function relations(
    client: pg.Client,
    repo: FeatureRepo,
    features: readonly (readonly [string, string])[],
    aliases: readonly string[],
  ): Promise<ViewRelation[]> {
    const out: ViewRelation[] = [];
    for (const [name, outputs] of outputsByView(features, aliases)) {
      const view = repo.view(name);
      const sql = await relationOf(client, repo, view);
      const columns = await describe(client, sql);
      checkSourceColumnsPresent(view, columns);
      out.push({ view, sql, columns, outputs });
    }
    return out;
  }

  async function upload(client: pg.Client, frame: Frame, name: string): Promise<DescribedColumn[]> {
    const columns: DescribedColumn[] = frame
      .schema()
      .map((c) => ({ name: c.name, type: PG_KIND[c.kind] }));
    await client.query(
      `CREATE UNLOGGED TABLE ${table(name)} (${INTERNAL}row bigint, ${columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")})`,
    );
    await insertFrame(
      client,
      table(name),
      frame,
      [`${INTERNAL}row`, ...columns.map((c) => c.name)],
      true,
    );
    return columns;
  }

  return {
    engine: "postgres",

    async historical(repo, query: HistoricalQuery) {
      const input = query.entityRows;
      let frame: Frame | undefined;
      let label = "entity rows";
      if (input instanceof Frame) frame = input;
      else if (typeof input === "string") {
        frame = await readFrame(input);
        label = input;
      }
      const name = `keel_entities_${randomBytes(6).toString("hex")}`;
      return withClient(async (client) => {
        try {
          let columns: DescribedColumn[];
          if (frame !== undefined) {
            checkEntityColumns(frame.columnNames, query.features, repo, label);
            columns = await upload(client, frame, name);
          } else {
            let sql: string;
            if (input === undefined) {
              label = "the time range";
              const { range, views } = rangeViews(repo, query);
              const rels = await relations(
                client,
                repo,
                views.map((v) => [v.name, v.features[0]?.name ?? ""] as const),
                [],
              );
              sql = rangeEntitySql("postgres", rels, range);
            } else {
              label = "the entity query";
              sql = (input as { sql: string }).sql;
            }
            // DuckDB keeps a query's row order in a table's rowid; here row_number() over the
            // query's output order numbers the rows.
            await client.query(
              `CREATE UNLOGGED TABLE ${table(name)} AS SELECT row_number() OVER () - 1 AS ${INTERNAL}row, * FROM (${sql}) AS ${INTERNAL}q`,
            );
            columns = (await describe(client, table(name))).filter(
              (c) => c.name !== `${INTERNAL}row`,
            );
            checkEntityColumns(
              columns.map((c) => c.name),
              query.features,
              repo,
              label,
            );
          }
          const tsType = columns.find((c) => c.name === "event_timestamp")?.type ?? "timestamptz";
          const missing = await client.query(
            `SELECT ${INTERNAL}row AS r FROM ${table(name)} WHERE event_timestamp IS NULL ORDER BY 1 LIMIT 1`,
          );
          if (missing.rows[0] !== undefined)
            throw entityRowError(
              label,
              Number((missing.rows[0] as { r: string }).r),
              "event_timestamp",
              "has no event_timestamp",
            );
          const names = columns.map((c) => c.name);
          const aliases = outputNames(query.features, query.fullFeatureNames, names);
          const rels = await relations(client, repo, query.features, aliases);
          const entity = `(SELECT *, ${microsExpression("postgres", "event_timestamp", tsType)} AS ${INTERNAL}ts FROM ${table(name)})`;
          const types = new Map(columns.map((c) => [c.name, c.type]));
          const joined = pointInTimeSql("postgres", entity, types, rels);
          const kinds = Object.fromEntries(
            query.features.map(([v, f], i) => [
              aliases[i] ?? f,
              repo.view(v).features.find((x) => x.name === f)?.kind ?? "numeric",
            ]),
          );
          const selectEntity =
            frame === undefined ? `${names.map((n) => `e.${ident(n)}`).join(", ")}, ` : "";
          const sql = `SELECT ${selectEntity}${aliases.map((a) => `p.${ident(a)}`).join(", ")} FROM ${table(name)} e JOIN (${joined}) p ON p.${INTERNAL}row = e.${INTERNAL}row ORDER BY e.${INTERNAL}row`;
          const result = await readFrame({ postgres: options.url, sql }, { schema: kinds });
          const out =
            frame === undefined
              ? result
              : Frame.fromColumns([
                  ...frame.entries(),
                  ...aliases.map((a): [string, Column] => [a, result.column(a)]),
                ]);
          if (query.out !== undefined) {
            await writeFrame(out, query.out);
            return undefined;
          }
          return out;
        } finally {
          await client.query(`DROP TABLE IF EXISTS ${table(name)}`);
        }
      });
    },

    async latest(repo, view, start, end) {
      return withClient(async (client) => {
        const [relation] = await relations(
          client,
          repo,
          view.features.map((f) => [view.name, f.name] as const),
          view.features.map((f) => f.name),
        );
        if (relation === undefined)
          throw new KeelError("KEEL_ERR_INTERNAL", `no relation for ${view.name}`);
        // Read while this client's working tables (file sources) still exist.
        return readFrame(
          { postgres: options.url, sql: latestSql("postgres", relation, start * 1000, end * 1000) },
          { schema: Object.fromEntries(view.features.map((f) => [f.name, f.kind])) },
        );
      });
    },

    async describe(repo, view) {
      return withClient(async (client) => describe(client, await relationOf(client, repo, view)));
    },

    async appendPushed(_repo, view, rows) {
      await withClient(async (client) => {
        await ensurePushTable(client, view);
        await client.query("BEGIN");
        try {
          await insertFrame(client, table(pushTable(view.name)), rows, pushColumns(view), false);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      });
    },
  };
}

/** Inserts a Frame in multi-row batches; with `numbered`, a leading `__keel_row` gets the row index. */
async function insertFrame(
  client: pg.Client,
  target: string,
  frame: Frame,
  columns: readonly string[],
  numbered: boolean,
): Promise<void> {
  const frameColumns = numbered ? columns.slice(1) : columns;
  const cells = frameColumns.map((name) => frame.column(name));
  for (let start = 0; start < frame.nRows; start += BATCH) {
    const end = Math.min(frame.nRows, start + BATCH);
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (let i = start; i < end; i++) {
      const slots: string[] = [];
      if (numbered) {
        params.push(i);
        slots.push(`$${params.length}`);
      }
      for (const column of cells) {
        params.push(toPg(column, i));
        slots.push(`$${params.length}`);
      }
      tuples.push(`(${slots.join(", ")})`);
    }
    await client.query(
      `INSERT INTO ${target} (${columns.map(ident).join(", ")}) VALUES ${tuples.join(", ")}`,
      params,
    );
  }
}

function toPg(column: Column, i: number): CellValue {
  switch (column.kind) {
    case "numeric": {
      const v = column.values[i] ?? Number.NaN;
      return Number.isNaN(v) ? null : v;
    }
    case "timestamp": {
      const v = column.values[i] ?? Number.NaN;
      return Number.isNaN(v) ? null : new Date(v).toISOString();
    }
    case "boolean": {
      const v = column.values[i] ?? -1;
      return v < 0 ? null : v === 1;
    }
    case "categorical": {
      const code = column.codes[i] ?? -1;
      return code < 0 ? null : (column.categories[code] ?? null);
    }
    default:
      return column.values[i] ?? null;
  }
}
