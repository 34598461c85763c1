import { describe, expect, it } from 'vitest';
import { normaliseName, parseDate, postcodeParts, splitFullName, unpackDate } from './normalise.ts';

describe('parseDate', () => {
  it('reads the common layouts to the same date', () => {
    const expected = 19710624;
    expect(parseDate('19710624')).toBe(expected);
    expect(parseDate('1971-06-24')).toBe(expected);
    expect(parseDate('24/06/1971')).toBe(expected);
    expect(parseDate(' 24-06-1971 ')).toBe(expected);
    expect(parseDate('24.6.1971')).toBe(expected);
    expect(parseDate('1971-06-24T00:00:00Z')).toBe(expected);
    expect(parseDate('1971-06-24 00:00:00')).toBe(expected);
  });

  it('keeps partial dates with the unknown parts as zero', () => {
    expect(unpackDate(parseDate('1971'))).toEqual({ year: 1971, month: 0, day: 0 });
    expect(unpackDate(parseDate('1971-06'))).toEqual({ year: 1971, month: 6, day: 0 });
    expect(unpackDate(parseDate('06/1971'))).toEqual({ year: 1971, month: 6, day: 0 });
    expect(unpackDate(parseDate('1971-00-00'))).toEqual({ year: 1971, month: 0, day: 0 });
  });

  it('keeps a month above 12 so a day/month swap can still be recognised', () => {
    expect(unpackDate(parseDate('1971-24-06'))).toEqual({ year: 1971, month: 24, day: 6 });
  });

  it('treats empty, placeholder and nonsense values as missing', () => {
    for (const value of ['', '  ', 'NA', 'null', 'unknown', 'not a date', '1971-40-40', undefined]) {
      expect(parseDate(value)).toBe(-1);
    }
  });
});

describe('names and postcodes', () => {
  it('normalises names', () => {
    expect(normaliseName("  Mrs  Siân O'Brien-Smith ")).toBe('sian obrien smith');
    expect(normaliseName('NA')).toBe('');
  });

  it('splits full names either way round', () => {
    expect(splitFullName('John Paul Smith')).toEqual({ given: 'john paul', family: 'smith' });
    expect(splitFullName('Smith, John')).toEqual({ given: 'john', family: 'smith' });
    expect(splitFullName('Smith')).toEqual({ given: '', family: 'smith' });
  });

  it('splits UK postcodes into area, district and sector', () => {
    expect(postcodeParts('sw1a1aa')).toEqual({
      full: 'SW1A 1AA',
      sector: 'SW1A 1',
      district: 'SW1A',
      area: 'SW',
    });
    expect(postcodeParts('M1 1AE')?.district).toBe('M1');
    expect(postcodeParts('4011')?.full).toBe('4011');
    expect(postcodeParts('')).toBeNull();
  });
});
