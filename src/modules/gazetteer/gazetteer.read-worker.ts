// Reads one part of a large AddressBase file in a worker thread: the CSV reader and the line checks
// run here, in parallel with the other parts, and staged records go back to the importer ready to
// send (COPY rows or unnest columns).
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import {
  newReadState,
  packBatch,
  readCsv,
  readRecord,
  type StagedRecord,
  type StagingFormat,
} from './gazetteer.addressbase.ts';

interface Part {
  file: string;
  start: number;
  end: number;
  firstLine: number;
  batchSize: number;
  format: StagingFormat;
  importId: string;
}

const part = workerData as Part;
const port = parentPort;
if (!port) throw new Error('gazetteer.read-worker.ts runs as a worker thread');

// At most a few batches wait for the database; beyond that the reader pauses.
let waiting = 0;
let resume: (() => void) | null = null;
port.on('message', (message) => {
  if (message === 'ack') {
    waiting--;
    resume?.();
    resume = null;
  }
});

const state = newReadState();
let batch: StagedRecord[] = [];
const flush = async () => {
  if (batch.length === 0) return;
  port.postMessage({ kind: 'batch', batch: packBatch(batch, part.format, part.importId) });
  batch = [];
  waiting++;
  while (waiting >= 3) await new Promise<void>((r) => (resume = r));
};

const records = readCsv(
  createReadStream(part.file, {
    start: part.start,
    end: part.end,
    highWaterMark: 1 << 20,
  }),
);
for await (const { record, info } of records) {
  const staged = readRecord(state, record, part.firstLine + info.lines - 1);
  if (staged) {
    batch.push(staged);
    if (batch.length >= part.batchSize) await flush();
  }
}
await flush();
port.postMessage({ kind: 'done', state });
// Nothing more to wait for: let the thread end (a message listener would keep it alive).
port.removeAllListeners('message');
