import pg from "pg";

/**
 * Drops every PostgreSQL schema whose name matches `likePattern` (SQL `LIKE`), for test
 * cleanup. It talks to the server directly rather than through `openDatabase`, because
 * `openDatabase` migrates the schema it opens: opening the shared `public` schema just to
 * clean up fails whenever another keel version (another branch, another test run) has
 * migrated it further, and would migrate it otherwise.
 *
 * @example
 * ```ts
 * await dropPgSchemas(process.env.KEEL_TEST_PG_URL!, `keel_track_${process.pid}_%`);
 * ```
 */
export async function dropPgSchemas(url: string, likePattern: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema_name: string }>(
      "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE $1",
      [likePattern],
    );
    for (const { schema_name } of rows)
      await client.query(`DROP SCHEMA IF EXISTS "${schema_name.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}
