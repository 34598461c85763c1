import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/databases.ts';
import { loadConfig } from './config.ts';
import { openRuntime } from './runtime.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/guildhall.js');

describe('the guildhall command', () => {
  const dataDir = tempDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        GUILDHALL_DATA_DIR: dataDir,
        DATABASE_URL: '',
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('explains its usage and exits 2 on an unknown command', () => {
    const result = run('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "frobnicate"');
  });

  it('migrates a new embedded database', () => {
    const result = run('migrate');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Applied migrations: 0001/);
    expect(run('migrate').stdout).toContain('up to date');
  });

  it('says what to do when there is no council yet', () => {
    const result = run('token', 'create', '--name', 'gateway', '--role', 'integration');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No council/);
  });

  it('creates an API token, printed as the last line of stdout, that the API accepts', async () => {
    expect(run('seed').code).toBe(0);
    const result = run('token', 'create', '--name', 'open311 gateway', '--role', 'integration');
    expect(result.code).toBe(0);
    const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(lastLine).toMatch(/^ghk_[A-Za-z0-9_-]{40,}$/);

    const config = loadConfig({ GUILDHALL_DATA_DIR: dataDir, NODE_ENV: 'test' });
    const runtime = await openRuntime(config, { role: 'cli' });
    try {
      const principal = await runtime.services.governance.resolver.fromApiToken(lastLine);
      expect(principal).toMatchObject({ kind: 'api', role: 'integration', label: 'open311 gateway' });
    } finally {
      await runtime.close();
    }
  });

  it('refuses a second token with the same name, and an unknown role', () => {
    expect(run('token', 'create', '--name', 'open311 gateway', '--role', 'integration').stderr).toMatch(
      /already exists/,
    );
    const badRole = run('token', 'create', '--name', 'x', '--role', 'wizard');
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/--role: Choose a role/);
  });

  it('adds a member of staff, generating a password when none is given', () => {
    const result = run(
      'user',
      'add',
      '--email',
      'new.agent@demo-borough.example',
      '--name',
      'New Agent',
      '--role',
      'agent',
      '--team',
      'customer services',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Added agent new\.agent@demo-borough\.example/);
    expect(result.stdout).toMatch(/Password: \S{16,}/);
    const missing = run('user', 'add', '--email', 'x@y.example', '--role', 'agent');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name is required');
  });

  it('links records of the same person from a CSV file, writing every record once', () => {
    const fixture = path.resolve(import.meta.dirname, 'modules/identity/fixtures/fake-120.csv');
    const result = run('link', fixture);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('source,record_id,cluster_id,match_probability');
    expect(lines).toHaveLength(121);
    expect(run('link').code).toBe(2);
  });
});
