import pg from 'pg';

/** The Postgres server benches run on: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server. */
export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/test';

async function run(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** An empty database on the server for one bench run; `drop` removes it again. */
export async function freshServerDatabase(
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `guildhall_bench_${label}_${process.pid}`;
  await run(`drop database if exists ${name} with (force)`);
  await run(`create database ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
