import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepBatchesTogether } from './socket-queue.ts';

/**
 * PGlite is one Postgres backend in this process, and only one process may open a data directory.
 * The process that opens it (the owner) serves it on a Unix socket inside the data directory, so
 * every other process (a CLI command while the server runs) speaks the Postgres wire protocol to it.
 * The owner itself also connects through that socket, so there is one driver path: `pg.Pool`.
 */
export type EmbeddedRole = 'server' | 'cli';

export interface EmbeddedDatabase {
  /** Directory holding the Postgres socket, usable as the `host` of a pg connection. */
  readonly socketDir: string;
  /** True when this process opened the data directory; false when it talks to another process. */
  readonly owner: boolean;
  close(): Promise<void>;
  /** A throwaway database's data directory as a tarball, checkpointed, for another to start from (tests). */
  dumpDataDir?(): Promise<Blob>;
}

const SOCKET_NAME = '.s.PGSQL.5432';
const LOCK_NAME = 'guildhall.lock';
// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH = 100;

interface LockInfo {
  pid: number;
  role: EmbeddedRole;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(lockPath: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

function tryTakeLock(lockPath: string, role: EmbeddedRole): boolean {
  try {
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, role } satisfies LockInfo), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// PGlite's buffer cache lives in WebAssembly memory, which counts towards the process's resident
// memory; 16 MB keeps the embedded server small, and the OS page cache holds the rest of the data.
const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

export async function createPglite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({
    dataDir,
    ...(loadDataDir ? { loadDataDir } : {}),
    extensions: { pg_trgm, fuzzystrmatch, unaccent },
    postgresqlconf: EMBEDDED_SETTINGS,
  });
}

async function serve(db: PGlite, socketPath: string): Promise<PGLiteSocketServer> {
  rmSync(socketPath, { force: true });
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 128 });
  keepBatchesTogether(server);
  await server.start();
  return server;
}

/** Where the embedded database keeps its Postgres data directory inside GUILDHALL_DATA_DIR. */
export function embeddedPgdata(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

/**
 * Opens the embedded database in `dataDir`, or connects to the process that already has it open.
 * A server waits for a CLI command that holds the directory to finish; a CLI command joins a running server.
 */
export async function openEmbedded(
  dataDir: string,
  role: EmbeddedRole,
  options: { waitMs?: number } = {},
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const socketPath = path.join(dataDir, SOCKET_NAME);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(
      `GUILDHALL_DATA_DIR is too long for a Unix socket (${socketPath}); choose a shorter directory`,
    );
  }
  const lockPath = path.join(dataDir, LOCK_NAME);
  const deadline = Date.now() + (options.waitMs ?? 120_000);

  for (;;) {
    if (tryTakeLock(lockPath, role)) break;
    const holder = readLock(lockPath);
    if (holder === undefined || !isAlive(holder.pid)) {
      // A crashed owner left its lock behind.
      rmSync(lockPath, { force: true });
      continue;
    }
    if (holder.role === 'server' && role === 'server') {
      throw new Error(`Guildhall is already running on ${dataDir} (process ${holder.pid})`);
    }
    if (role === 'cli' && (await canConnect(socketPath))) {
      return { socketDir: dataDir, owner: false, close: async () => {} };
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for process ${holder.pid} to release ${dataDir}`);
    }
    await sleep(200);
  }

  const releaseLock = () => {
    if (readLock(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
  };
  process.once('exit', releaseLock);
  try {
    const db = await createPglite(embeddedPgdata(dataDir));
    const server = await serve(db, socketPath);
    return {
      socketDir: dataDir,
      owner: true,
      close: async () => {
        await server.stop();
        await db.close();
        rmSync(socketPath, { force: true });
        releaseLock();
        process.off('exit', releaseLock);
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * A throwaway in-memory database served on a socket in `socketDir` (tests and benchmarks), empty or
 * started from the tarball of another's data directory (see `dumpDataDir`).
 */
export async function openEphemeral(socketDir: string, loadDataDir?: Blob): Promise<EmbeddedDatabase> {
  mkdirSync(socketDir, { recursive: true });
  const db = await createPglite(undefined, loadDataDir);
  const socketPath = path.join(socketDir, SOCKET_NAME);
  const server = await serve(db, socketPath);
  return {
    socketDir,
    owner: true,
    dumpDataDir: async () => {
      // Write every dirty page out first, so the copy starts without replaying the WAL.
      await db.exec('checkpoint');
      return db.dumpDataDir('none');
    },
    close: async () => {
      await server.stop();
      await db.close();
      rmSync(socketPath, { force: true });
    },
  };
}
