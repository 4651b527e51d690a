import pg from "pg";

/**
 * Runs one administrative statement on a PostgreSQL test database over a bare connection. The
 * shared test database's `public` schema may hold another keel's migrations, so tests create
 * and drop their own schemas this way instead of opening (and so migrating) `public`.
 * Test-only: excluded from the build.
 *
 * @example
 * ```ts
 * await pgAdmin(url, `drop schema if exists ${schema} cascade`);
 * ```
 */
export async function pgAdmin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Drops every schema whose name starts with `prefix` (a test's per-process schemas).
 *
 * @example
 * ```ts
 * await dropPgSchemas(url, `keel_track_${process.pid}_`);
 * ```
 */
export async function dropPgSchemas(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema_name: string }>(
      "select schema_name from information_schema.schemata where starts_with(schema_name, $1)",
      [prefix],
    );
    for (const row of rows)
      await client.query(`drop schema if exists "${row.schema_name}" cascade`);
  } finally {
    await client.end();
  }
}
