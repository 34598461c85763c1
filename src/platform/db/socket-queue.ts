import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * pglite-socket queues wire-protocol messages from all connections and runs them one at a time. It
 * keeps one connection's messages together only inside a transaction; outside one, the Parse, Bind,
 * Execute and Sync of a parameterised query from one connection can interleave with another's, so a
 * query runs another's statement ("unnamed prepared statement does not exist", or wrong results).
 *
 * This replaces the queue's scheduler with one that also keeps a connection's extended-protocol
 * batch together: once it sends Parse, Bind, Describe, Execute, Close or Flush, only its messages
 * run until it sends Sync (or a simple Query). It reaches into the library's queue object, whose
 * shape is checked here so that an upgrade that changes it fails at start-up, not at random.
 */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  onData: (data: Uint8Array) => void;
}

interface QueryQueue {
  db: PGlite;
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue: () => Promise<void>;
  clearQueueForHandler: (handlerId: number) => void;
}

// Messages that start or continue an extended-protocol batch; the batch ends with Sync ('S').
const BATCH_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

export function keepBatchesTogether(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (
    !queue ||
    !Array.isArray(queue.queue) ||
    typeof queue.processQueue !== 'function' ||
    typeof queue.clearQueueForHandler !== 'function' ||
    typeof queue.db?.runExclusive !== 'function'
  ) {
    throw new Error(
      '@electric-sql/pglite-socket changed its query queue; review src/platform/db/socket-queue.ts',
    );
  }
  let midBatch: number | null = null;

  queue.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = midBatch ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        let next: QueuedMessage | undefined;
        if (owner !== null) {
          const index = this.queue.findIndex((m) => m.handlerId === owner);
          // The owner has more to send: wait for it (its next message restarts the queue).
          if (index === -1) break;
          next = this.queue.splice(index, 1)[0];
        } else {
          next = this.queue.shift();
        }
        if (!next) break;
        const item = next;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          midBatch = null;
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        midBatch = BATCH_MESSAGES.has(item.message[0] ?? 0) ? item.handlerId : null;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }.bind(queue);

  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    // A connection that went away mid-batch must not hold the queue.
    if (midBatch === handlerId) {
      midBatch = null;
      void queue.processQueue();
    }
  };
}
