import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/databases.ts';

const MAIN = path.resolve(import.meta.dirname, 'main.ts');

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      NODE_ENV: 'development',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  const dataDir = tempDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('seeds the demo, prints the URL and sign-ins, serves /health, and stops cleanly on SIGTERM', async () => {
    const server = start({ GUILDHALL_DATA_DIR: dataDir });
    await waitFor(() => server.output().includes('Ready in'), 'start-up');
    const output = server.output();
    expect(output).toMatch(/Guildhall is running at http:\/\/localhost:\d+/);
    expect(output).toContain('Seeded Demo Borough Council');
    expect(output).toContain('agent@demo-borough.example');
    const url = /running at (http:\/\/localhost:\d+)/.exec(output)?.[1] ?? '';
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // The embedded database's lock and socket are released for the next process.
    expect(existsSync(path.join(dataDir, 'guildhall.lock'))).toBe(false);
  });

  it('refuses to start in production while demo accounts exist', async () => {
    const server = start({
      GUILDHALL_DATA_DIR: dataDir,
      NODE_ENV: 'production',
      SESSION_SECRET: 'a-production-secret-that-is-long-enough-1234',
      GUILDHALL_ALLOW_EMBEDDED: '1',
      NOTIFICATIONS_ADAPTER: 'outbox',
    });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/will not start in production: \d+ demo account/);
  });

  it('refuses to start in production without a session secret, listing every problem', async () => {
    const server = start({ GUILDHALL_DATA_DIR: dataDir, NODE_ENV: 'production', PORT: 'x' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('SESSION_SECRET must be set in production');
    expect(server.output()).toContain('PORT must be a whole number');
    expect(server.output()).toContain('DATABASE_URL must point at a Postgres server');
  });
});
