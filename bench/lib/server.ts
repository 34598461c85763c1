import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BenchServer {
  url: string;
  pid: number;
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * The command line a council runs: `npm run serve` (as the container) against a Postgres server,
 * `npm start` for the embedded database, so the bench measures exactly that.
 */
function startCommand(env: Record<string, string>): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string; serve: string };
  };
  const script = env.DATABASE_URL ? pkg.scripts.serve : pkg.scripts.start;
  const [node, ...args] = script.split(/\s+/);
  if (node !== 'node') throw new Error(`unexpected start script: ${script}`);
  return args;
}

/** Starts the server as `npm run serve` or `npm start` does, in its own process (so load generation does not share its event loop). */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, startCommand(env), {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 180_000);
    child.stdout?.on('data', () => {
      const match = /Guildhall is running at (http:\/\/localhost:\d+)/.exec(output);
      if (match?.[1] && output.includes('Ready in')) {
        clearTimeout(timer);
        resolve(match[1].replace('localhost', '127.0.0.1'));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}:\n${output}`)));
  });
  // Ready means answering HTTP, so wait for the first /health.
  for (;;) {
    const ok = await fetch(`${url}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    pid: child.pid ?? 0,
    readyMs,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function guildhall(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/guildhall.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`guildhall ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (0 once it has gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU used per request by the server, its Postgres backends (on this machine) and the bench itself
 * while `work` runs: steadier than throughput when other work shares the cores. `work` answers how
 * many requests it made.
 */
export async function cpuPerRequest(
  serverPid: number,
  database: { query<R>(text: string): Promise<{ rows: R[] }> },
  work: () => Promise<number>,
): Promise<{ requests: number; server: number; database: number; bench: number }> {
  // Every backend of this database but the one asking.
  const { rows } = await database.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  const backends = rows.map((r) => r.pid);
  const server0 = cpuMs(serverPid);
  const database0 = backends.map(cpuMs);
  const bench0 = process.cpuUsage();
  const requests = await work();
  const bench = process.cpuUsage(bench0);
  const n = Math.max(1, requests);
  return {
    requests,
    server: (cpuMs(serverPid) - server0) / n,
    database: backends.reduce((sum, pid, k) => sum + cpuMs(pid) - (database0[k] ?? 0), 0) / n,
    bench: (bench.user + bench.system) / 1000 / n,
  };
}
