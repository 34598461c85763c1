import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { readCsv } from './gazetteer.addressbase.ts';

const read = async (text: string, chunkSize = 7) => {
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: { record: string[]; line: number }[] = [];
  for await (const { record, info } of readCsv(Readable.from(chunks))) out.push({ record, line: info.lines });
  return out;
};

// What the importer read with before: csv-parse with these options.
const reference = async (text: string) => {
  const out: { record: string[]; line: number }[] = [];
  const parser = Readable.from([text]).pipe(
    parse({
      relax_column_count: true,
      skip_empty_lines: true,
      relax_quotes: true,
      bom: true,
      info: true,
      trim: true,
    }),
  ) as AsyncIterable<{ record: string[]; info: { lines: number } }>;
  for await (const { record, info } of parser) out.push({ record, line: info.lines });
  return out;
};

describe('reading AddressBase CSV', () => {
  it('reads records as csv-parse did: quotes, doubled quotes, line breaks in quotes, BOM, blank lines', async () => {
    const text = [
      '\ufeff10,"GeoPlace",9999,2026-01-01,1,2026-01-01,00:00:00,"2.0","F"',
      '24,"I",2,100000000012,"5990L000000012","ENG",1,2020-01-01,,2020-01-01,2020-01-01,,,,,,12,,,,"",1001001',
      '',
      '31,"I",3,100000000040,"ORG1","Smith, Jones & ""Partners""",,2020-01-01,,,',
      '  15 , "I" , 4 ,1001001,"HIGH STREET","WESTBROOK","DEMO BOROUGH","DEMO",ENG',
      '32,"I",5,100000000041,"C1","RD06","AddressBase Premium Classification Scheme",1.0,2020-01-01,,,',
      '23,"I",6,100000000042,"X1","a ""quoted"" word, and a line',
      'break inside",1,"7666VC",2020-01-01,,,',
      '   ',
      'Ty’n-y-Coed,Llan,Ffestiniog',
      '99,"",7,2026-01-01,00:00:00',
    ].join('\n');
    for (const size of [1, 7, 4096]) {
      expect(await read(text, size)).toEqual(await reference(text));
    }
    const records = await read(text);
    expect(records[2]?.record[5]).toBe('Smith, Jones & "Partners"');
    expect(records[5]?.record[5]).toBe('a "quoted" word, and a line\nbreak inside');
    expect(records[5]?.line).toBe(8);
    expect(records.at(-1)?.line).toBe(11);
  });

  it('counts lines of a file with Windows line ends', async () => {
    const records = await read('10,"X"\r\n11,"I",1,5801201,1\r\n\r\n99,"",3\r\n');
    expect(records.map((r) => [r.record[0], r.record.at(-1), r.line])).toEqual([
      ['10', 'X', 1],
      ['11', '1', 2],
      ['99', '3', 4],
    ]);
  });

  it('fails on a quote that is never closed, with a CSV_ error code', async () => {
    await expect(read('11,"I",1,5801201,1\n15,"I",2,"HIGH STREET\n')).rejects.toMatchObject({
      code: 'CSV_QUOTE_NOT_CLOSED',
    });
  });
});
