import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { checkRecord, readCsv, toCopyRows } from './gazetteer.addressbase.ts';

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

describe('checking and staging AddressBase records', () => {
  const blpu = (state: string, rpc: string) =>
    `21,I,8,100000000012,1,${state},2001-01-01,100000000011,529050.00,178990.00,,,${rpc},5990,E,2001-01-01,,2020-01-01,2001-01-01,D,DB1 1AA,0`.split(
      ',',
    );
  const lpi = (paoStart: string) =>
    `24,I,9,100000000012,5990L000000012,ENG,1,2001-01-01,,2020-01-01,2001-01-01,,,,,,${paoStart},,,,,1001001,1,,,Y`.split(
      ',',
    );

  it('rejects whole numbers too big for their column, rather than failing the import when applied', () => {
    expect(checkRecord(8, blpu('2', '1')).staged).toBeDefined();
    expect(checkRecord(8, blpu('99999', '1')).rejection?.reason).toBe(
      'field 6 must be a whole number up to 32767, not "99999"',
    );
    expect(checkRecord(8, blpu('2', '40000')).rejection?.reason).toBe(
      'field 13 must be a whole number up to 32767, not "40000"',
    );
    expect(checkRecord(9, lpi('2147483647')).staged).toBeDefined();
    expect(checkRecord(9, lpi('2147483648')).rejection?.reason).toBe(
      'field 17 must be a whole number up to 2147483647, not "2147483648"',
    );
  });

  it('writes staged records as COPY text rows, escaping what COPY and array literals treat specially', () => {
    const staged = checkRecord(
      4,
      `31,I,4,100000000040,ORG1,x,,2001-01-01,,2020-01-01,2001-01-01`.split(','),
    ).staged;
    if (!staged) throw new Error('not staged');
    staged.fields[5] = 'Tab\there, "quoted" \\ back\nslash';
    staged.fields[6] = '{braces}, and commas';
    const [row, rest] = toCopyRows([staged], '0190a000-0000-7000-8000-000000000001').split('\n');
    expect(rest).toBe('');
    const columns = (row ?? '').split('\t');
    expect(columns.slice(0, 6)).toEqual([
      '0190a000-0000-7000-8000-000000000001',
      '4',
      '31',
      'I',
      'ORG1',
      '100000000040',
    ]);
    // COPY text escapes (\t, \n, \\) around the array literal's own (\" and \\).
    expect(columns[6]).toBe(
      '{"31","I","4","100000000040","ORG1","Tab\\there, \\\\"quoted\\\\" \\\\\\\\ back\\nslash","{braces}, and commas","2001-01-01","","2020-01-01","2001-01-01"}',
    );
  });
});
