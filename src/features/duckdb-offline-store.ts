import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { type Column, type ColumnKind, Frame, KeelError } from "../core/index.js";
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
import type { BatchSource } from "./sources.js";
import { type DescribedColumn, INTERNAL, ident, literal } from "./sql-text.js";

/**
 * Options of {@link duckDbOfflineStore}.
 *
 * @example
 * ```ts
 * const options: DuckDbOfflineOptions = { database: "warehouse.duckdb" };
 * ```
 */
export interface DuckDbOfflineOptions {
  /** A DuckDB database file (relative to the project root) that `sqlSource` queries read, attached read-only. */
  readonly database?: string;
  /** Where pushed rows are logged as Parquet files, one folder per view. Default `<root>/.keel/features/push`. */
  readonly pushLogDir?: string;
  /**
   * DuckDB's memory limit for one retrieval (`"1GB"`, `"512MB"`, ...): past it the join's
   * sorts spill to a scratch folder instead of growing the process. Default {@link DEFAULT_MEMORY_LIMIT}.
   */
  readonly memoryLimit?: string;
}

/**
 * DuckDB's memory limit when none is given. With DuckDB's own default (80% of RAM) a join of
 * 1,000,000 entity rows against a 10,000,000-row view peaked at 1.16–1.23 GB of process
 * memory; with 1 GB, 1.16–1.27 GB at the same CPU time; with 512 MB, 0.81 GB at 22% more CPU;
 * with 256 MB, 0.54 GB at 62% more (bench/features, pandas: 2.65–2.77 GB).
 */
export const DEFAULT_MEMORY_LIMIT = "1GB";

const DUCK_KIND: Readonly<Record<ColumnKind, string>> = {
  numeric: "DOUBLE",
  categorical: "VARCHAR",
  string: "VARCHAR",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

/**
 * The embedded offline store: DuckDB in process. File sources are read in place
 * (`read_csv`/`read_parquet`), `sqlSource` queries run against the optional database file,
 * pushed rows are kept as Parquet files beside the project. Point-in-time joins are one ASOF
 * JOIN per view (see {@link pointInTimeSql}); nothing loops over rows in JavaScript.
 *
 * @example
 * ```ts
 * const offline = duckDbOfflineStore({});
 * const training = await offline.historical(repo, { entityRows: "labels.csv", features: [["stats", "tenure"]], fullFeatureNames: false });
 * ```
 */
export function duckDbOfflineStore(options: DuckDbOfflineOptions = {}): OfflineStore {
  const memoryLimit = checkMemoryLimit(options.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
  const pushDir = (repo: FeatureRepo) =>
    resolve(repo.root, options.pushLogDir ?? join(".keel", "features", "push"));

  async function withSession<T>(
    repo: FeatureRepo,
    work: (c: DuckDBConnection, scratch: string) => Promise<T>,
  ): Promise<T> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const scratch = await mkdtemp(join(tmpdir(), "keel-features-"));
    try {
      // Spills go to this retrieval's scratch folder (removed after), never to `.tmp` in the
      // working directory, which is DuckDB's default for an in-memory database.
      await connection.run(`SET temp_directory = ${literal(join(scratch, "spill"))}`);
      await connection.run(`SET memory_limit = ${literal(memoryLimit)}`);
      if (options.database !== undefined) {
        const file = resolve(repo.root, options.database);
        if (!existsSync(file)) {
          throw new KeelError(
            "KEEL_ERR_FILE_NOT_FOUND",
            `offline store database '${file}' does not exist`,
            {
              details: { file },
            },
          );
        }
        await connection.run(`ATTACH ${literal(file)} AS warehouse (READ_ONLY)`);
        await connection.run("USE warehouse");
      }
      return await work(connection, scratch);
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async function batchRelation(
    repo: FeatureRepo,
    view: ResolvedView,
    source: BatchSource,
    scratch: string,
  ): Promise<string> {
    if (source.type === "sql") return `(${source.query})`;
    if (source.type === "postgres") {
      // DuckDB's postgres extension would be downloaded at run time; copy the rows instead.
      const url = process.env.KEEL_PG_URL ?? process.env.KEEL_DB_URL;
      if (url === undefined || !/^postgres/.test(url)) {
        throw new KeelError(
          "KEEL_ERR_UNSUPPORTED",
          `feature view '${view.name}' reads postgresSource, but the DuckDB offline store has no PostgreSQL URL: set KEEL_PG_URL or use offlineStore: { type: "postgres" }`,
          { details: { view: view.name } },
        );
      }
      const copy = join(scratch, `pg-${view.name}.parquet`);
      await writeFrame(await readFrame({ postgres: url, sql: source.query }), copy);
      return `read_parquet(${literal(copy)})`;
    }
    const file = sourceFile(repo, view, source);
    return /\.csv$/i.test(file)
      ? `read_csv(${literal(file)}, header = true)`
      : `read_parquet(${literal(file)})`;
  }

  async function relationOf(
    repo: FeatureRepo,
    view: ResolvedView,
    scratch: string,
  ): Promise<string> {
    const source = view.definition.source;
    if (source.type !== "push") return batchRelation(repo, view, source, scratch);
    const folder = join(pushDir(repo), view.name);
    const logged = existsSync(folder)
      ? (await readdir(folder))
          .filter((f) => f.endsWith(".parquet"))
          .sort()
          .map((f) => join(folder, f))
      : [];
    const parts: string[] = [];
    if (source.batchSource !== undefined)
      parts.push(`SELECT * FROM ${await batchRelation(repo, view, source.batchSource, scratch)}`);
    if (logged.length > 0)
      parts.push(
        `SELECT * FROM read_parquet([${logged.map(literal).join(", ")}], union_by_name = true)`,
      );
    if (parts.length === 0) {
      // Nothing pushed yet and no batch source: an empty relation with the declared columns.
      const columns = [
        ...view.joinKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${ident(k)}`),
        `CAST(NULL AS TIMESTAMP) AS ${ident(view.definition.timestampField)}`,
        ...(view.definition.createdTimestampField
          ? [`CAST(NULL AS TIMESTAMP) AS ${ident(view.definition.createdTimestampField)}`]
          : []),
        ...view.features.map((f) => `CAST(NULL AS ${DUCK_KIND[f.kind]}) AS ${ident(f.name)}`),
      ];
      parts.push(`SELECT ${columns.join(", ")} WHERE false`);
    }
    return `(${parts.join(" UNION ALL BY NAME ")})`;
  }

  async function describe(c: DuckDBConnection, sql: string): Promise<DescribedColumn[]> {
    const rows = (await c.runAndReadAll(`DESCRIBE SELECT * FROM ${sql}`)).getRows();
    return rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  }

  async function relations(
    c: DuckDBConnection,
    repo: FeatureRepo,
    features: readonly (readonly [string, string])[],
    aliases: readonly string[],
    scratch: string,
  ): Promise<ViewRelation[]> {
    const out: ViewRelation[] = [];
    for (const [name, outputs] of outputsByView(features, aliases)) {
      const view = repo.view(name);
      const sql = await sqlErrors(view.name, () => relationOf(repo, view, scratch));
      const columns = await sqlErrors(view.name, () => describe(c, sql));
      checkSourceColumnsPresent(view, columns);
      out.push({ view, sql, columns, outputs });
    }
    return out;
  }

  async function loadEntities(
    c: DuckDBConnection,
    repo: FeatureRepo,
    query: HistoricalQuery,
    scratch: string,
  ): Promise<{ columns: DescribedColumn[]; describeAs: string }> {
    const table = `${INTERNAL}entities`;
    const input = query.entityRows;
    let from: string;
    let label: string;
    if (input === undefined) {
      from = await rangeEntities(c, repo, query, scratch);
      label = "the time range";
    } else if (input instanceof Frame) {
      checkEntityColumns(input.columnNames, query.features, repo, "entity rows");
      const file = join(scratch, "entities.parquet");
      await writeFrame(input, file);
      from = `SELECT * FROM read_parquet(${literal(file)})`;
      label = "entity rows";
    } else if (typeof input === "string") {
      const file = resolve(input);
      if (!existsSync(file)) {
        throw new KeelError(
          "KEEL_ERR_FILE_NOT_FOUND",
          `entity rows file '${input}' does not exist`,
          {
            details: { file: input },
          },
        );
      }
      from = /\.csv$/i.test(file)
        ? `SELECT * FROM read_csv(${literal(file)}, header = true)`
        : `SELECT * FROM read_parquet(${literal(file)})`;
      label = input;
    } else {
      from = input.sql;
      label = "the entity query";
    }
    // A table keeps the input's order in its rowid (DuckDB preserves insertion order), which
    // numbers the output rows.
    await sqlErrors(label, () => c.run(`CREATE TEMP TABLE ${INTERNAL}input AS ${from}`));
    const columns = await describe(c, `${INTERNAL}input`);
    checkEntityColumns(
      columns.map((x) => x.name),
      query.features,
      repo,
      label,
    );
    const tsType = columns.find((x) => x.name === "event_timestamp")?.type ?? "TIMESTAMP";
    const micros = microsExpression("duckdb", "event_timestamp", tsType);
    // A view, not a copy: the row number and microseconds are computed as the join reads.
    await sqlErrors(label, () =>
      c.run(
        `CREATE TEMP VIEW ${table} AS SELECT *, rowid AS ${INTERNAL}row, ${micros} AS ${INTERNAL}ts FROM ${INTERNAL}input`,
      ),
    );
    const missing = (
      await c.runAndReadAll(
        `SELECT ${INTERNAL}row FROM ${table} WHERE ${INTERNAL}ts IS NULL ORDER BY 1 LIMIT 1`,
      )
    ).getRows()[0];
    if (missing !== undefined)
      throw entityRowError(label, Number(missing[0]), "event_timestamp", "has no event_timestamp");
    return { columns, describeAs: table };
  }

  async function rangeEntities(
    c: DuckDBConnection,
    repo: FeatureRepo,
    query: HistoricalQuery,
    scratch: string,
  ): Promise<string> {
    const { range, views } = rangeViews(repo, query);
    const rels = await relations(
      c,
      repo,
      views.map((v) => [v.name, v.features[0]?.name ?? ""] as const),
      [],
      scratch,
    );
    return rangeEntitySql("duckdb", rels, range);
  }

  return {
    engine: "duckdb",

    async historical(repo, query) {
      return withSession(repo, async (c, scratch) => {
        const entity = await loadEntities(c, repo, query, scratch);
        const entityNames = entity.columns.map((x) => x.name);
        const aliases = outputNames(query.features, query.fullFeatureNames, entityNames);
        const rels = await relations(c, repo, query.features, aliases, scratch);
        const types = new Map(entity.columns.map((x) => [x.name, x.type]));
        const kinds = new Map(
          query.features.map(([v, f], i) => [
            aliases[i] ?? f,
            repo.view(v).features.find((x) => x.name === f)?.kind ?? "numeric",
          ]),
        );
        const frame = query.entityRows instanceof Frame ? query.entityRows : undefined;
        // A Frame keeps its own columns (kinds and dictionaries as given): only features come back.
        const joined = pointInTimeSql(
          "duckdb",
          entity.describeAs,
          types,
          rels,
          frame === undefined ? entityNames : [],
        );
        if (query.out !== undefined) {
          const out = resolve(query.out);
          await mkdir(dirname(out), { recursive: true });
          const temporary = join(
            dirname(out),
            `.${basename(out)}.${randomBytes(6).toString("hex")}.tmp`,
          );
          const format = /\.parquet$/i.test(out) ? "FORMAT parquet" : "FORMAT csv, HEADER true";
          const sql = pointInTimeSql("duckdb", entity.describeAs, types, rels, entityNames);
          try {
            await sqlErrors("historical retrieval", () =>
              c.run(`COPY (${sql}) TO ${literal(temporary)} (${format})`),
            );
            await rename(temporary, out);
          } finally {
            await rm(temporary, { force: true });
          }
          return undefined;
        }
        // Streamed from the join's sorted result straight into the Frame's column buffers, one
        // vector at a time: no result file, no second database, no second copy. Every ASOF LEFT
        // JOIN keeps each entity row once, so the row count is the entity rows'.
        const rows = Number(
          (await c.runAndReadAll(`SELECT count(*) FROM ${INTERNAL}input`)).getRows()[0]?.[0] ?? 0,
        );
        const result = await sqlErrors("historical retrieval", () =>
          readRelationExact(c, joined, {
            declared: kinds,
            countRows: async () => rows,
            sourceName: "historical retrieval",
          }),
        );
        if (frame === undefined) return result;
        const columns: [string, Column][] = frame.entries();
        for (const alias of aliases) columns.push([alias, result.column(alias)]);
        return Frame.fromColumns(columns);
      });
    },

    async latest(repo, view, start, end) {
      return withSession(repo, async (c, scratch) => {
        const [relation] = await relations(
          c,
          repo,
          view.features.map((f) => [view.name, f.name] as const),
          view.features.map((f) => f.name),
          scratch,
        );
        if (relation === undefined)
          throw new KeelError("KEEL_ERR_INTERNAL", `no relation for ${view.name}`);
        const file = join(scratch, "latest.parquet");
        await sqlErrors(view.name, () =>
          c.run(
            `COPY (${latestSql("duckdb", relation, start * 1000, end * 1000)}) TO ${literal(file)} (FORMAT parquet)`,
          ),
        );
        return readFrame(file, {
          schema: Object.fromEntries(view.features.map((f) => [f.name, f.kind])),
        });
      });
    },

    async describe(repo, view) {
      return withSession(repo, async (c, scratch) =>
        describe(c, await relationOf(repo, view, scratch)),
      );
    },

    async appendPushed(repo, view, rows) {
      const folder = join(pushDir(repo), view.name);
      await mkdir(folder, { recursive: true });
      // Time-ordered names keep the log in push order; writeFrame renames a complete file into place.
      const name = `${Date.now().toString().padStart(15, "0")}-${randomBytes(4).toString("hex")}.parquet`;
      await writeFrame(rows, join(folder, name));
    },
  };
}

async function sqlErrors<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof KeelError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new KeelError("KEEL_ERR_SQL", `${what}: DuckDB failed: ${message.split("\n")[0]}`, {
      details: { where: what },
      cause: error,
    });
  }
}

function checkMemoryLimit(limit: string): string {
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(limit)) {
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `offline store memoryLimit: expected a size such as "1GB" or "512MB", got ${JSON.stringify(limit)}`,
      { details: { setting: "offlineStore.memoryLimit", got: limit } },
    );
  }
  return limit;
}
