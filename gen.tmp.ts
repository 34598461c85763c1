import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  addressBaseHeader,
  addressBaseLine,
  addressBaseTrailer,
  generateTown,
} from './src/modules/gazetteer/index.ts';

const town = generateTown({ lpis: Number(process.argv[2]) });
const out = createWriteStream(process.argv[3]);
const write = async (l: string) => {
  if (!out.write(`${l}\n`)) await once(out, 'drain');
};
await write(addressBaseHeader('F'));
for (const r of town.records) await write(addressBaseLine(r));
await write(addressBaseTrailer(town.summary.records));
out.end();
