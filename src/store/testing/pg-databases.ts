import pg from "pg";

/**
 * Creates a fresh, empty PostgreSQL database next to the one `url` names and returns its URL,
 * for a test that can only point a whole process at a store (`KEEL_DB_URL`): a database of
 * its own also keeps LISTEN/NOTIFY channels apart, which schemas share. Drop it with
 * {@link dropPgDatabase}. Test-only.
 *
 * @example
 * ```ts
 * const dbUrl = await createPgDatabase(process.env.KEEL_TEST_PG_URL!, `keel_demo_${process.pid}`);
 * ```
 */
export async function createPgDatabase(url: string, name: string): Promise<string> {
  await onServer(url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${identifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${identifier(name)}`);
  });
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}

/**
 * Drops a database {@link createPgDatabase} made, closing any connection still open to it.
 * Test-only.
 *
 * @example
 * ```ts
 * await dropPgDatabase(process.env.KEEL_TEST_PG_URL!, `keel_demo_${process.pid}`);
 * ```
 */
export async function dropPgDatabase(url: string, name: string): Promise<void> {
  await onServer(url, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${identifier(name)} WITH (FORCE)`),
  );
}

function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`a test database name must be a lower-case SQL identifier, got '${name}'`);
  return name;
}

async function onServer(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
