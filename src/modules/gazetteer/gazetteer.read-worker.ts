// Reads one part of a large AddressBase file in a worker thread: csv-parse and the line checks run
// here, in parallel with the other parts, and staged records go back to the importer as columns.
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { newReadState, readCsv, readRecord, type StagedRecord, toColumns } from './gazetteer.addressbase.ts';

interface Part {
  file: string;
  start: number;
  end: number;
  firstLine: number;
  batchSize: number;
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
  port.postMessage({ kind: 'batch', columns: toColumns(batch), count: batch.length });
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
