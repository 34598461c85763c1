// Worker thread: rebuilds the comparisons from the same columns and compares its share of pairs.
import { parentPort, workerData } from 'node:worker_threads';
import { computeLevels } from './fellegi-sunter.ts';
import { buildComparisons, type LinkageColumns } from './linkage.engine.ts';

export type CompareWorkerInput = {
  columns: LinkageColumns;
  left: Int32Array;
  right: Int32Array;
  /** Shared output, row-major levels for all pairs; this worker fills rows [0, left.length). */
  levels: Int8Array;
};

if (parentPort) {
  const input = workerData as CompareWorkerInput;
  const { comparisons } = buildComparisons(input.columns);
  computeLevels(comparisons, input.left, input.right, 0, input.left.length, input.levels);
  parentPort.postMessage('done');
}
