import { describe, expect, it } from 'vitest';
import { checkRecord, trailerCountAgrees } from './gazetteer.addressbase.ts';
import { bngToWgs84, wgs84ToBng } from './gazetteer.coordinates.ts';
import {
  formatAddress,
  formatPostcode,
  isFullPostcode,
  isPartialPostcode,
  numberRange,
  searchWords,
} from './gazetteer.format.ts';
import { wordPatterns } from './gazetteer.service.ts';

const none = { startNumber: null, startSuffix: null, endNumber: null, endSuffix: null, text: null };

describe('BS7666 address presentation', () => {
  it('puts a numbered house on one line with its street', () => {
    const address = formatAddress({
      sao: none,
      pao: { ...none, startNumber: 12 },
      street: 'HIGH STREET',
      locality: 'WESTBROOK',
      town: 'DEMO BOROUGH',
      postcode: 'db11aa',
    });
    expect(address.lines).toEqual(['12 HIGH STREET', 'WESTBROOK', 'DEMO BOROUGH']);
    expect(address.singleLine).toBe('12 HIGH STREET, WESTBROOK, DEMO BOROUGH, DB1 1AA');
  });

  it('gives a flat its own line above the building, and the building above the street', () => {
    const address = formatAddress({
      organisation: null,
      sao: { ...none, text: 'FLAT 2' },
      pao: { ...none, startNumber: 3, text: 'MILL HOUSE' },
      street: 'MILL LANE',
      locality: 'WESTBROOK',
      town: 'DEMO BOROUGH',
      postcode: 'DB1 1AB',
    });
    expect(address.lines).toEqual(['FLAT 2', 'MILL HOUSE', '3 MILL LANE', 'WESTBROOK', 'DEMO BOROUGH']);
  });

  it('joins a numbered unit to its building name, writes ranges and suffixes, leads with the organisation', () => {
    expect(
      formatAddress({
        organisation: 'THE CORNER SHOP',
        sao: { ...none, startNumber: 1, startSuffix: 'A' },
        pao: { ...none, text: 'MILL HOUSE' },
        street: 'MILL LANE',
        locality: 'DEMO BOROUGH',
        town: 'DEMO BOROUGH',
        postcode: null,
      }).lines,
    ).toEqual(['THE CORNER SHOP', '1A MILL HOUSE', 'MILL LANE', 'DEMO BOROUGH']);
    expect(
      numberRange({ startNumber: 10, startSuffix: 'A', endNumber: 12, endSuffix: 'C', text: null }),
    ).toBe('10A-12C');
    expect(numberRange({ ...none, startNumber: 10, endNumber: 12 })).toBe('10-12');
  });

  it('shows a named house with no number on its own line and the street alone', () => {
    expect(
      formatAddress({
        sao: none,
        pao: { ...none, text: 'ROSE COTTAGE' },
        street: 'MILL LANE',
        locality: null,
        town: 'DEMO BOROUGH',
        postcode: 'DB1 1AD',
      }).singleLine,
    ).toBe('ROSE COTTAGE, MILL LANE, DEMO BOROUGH, DB1 1AD');
  });
});

describe('postcodes and search words', () => {
  it('recognises postcodes with or without the space, and partial ones', () => {
    expect(isFullPostcode('SW1A 1AA')).toBe(true);
    expect(isFullPostcode('sw1a1aa')).toBe(true);
    expect(isFullPostcode('12 high st')).toBe(false);
    expect(formatPostcode('sw1a1aa')).toBe('SW1A 1AA');
    expect(isPartialPostcode('SW1A')).toBe(true);
    expect(isPartialPostcode('SW1A 1')).toBe(true);
    expect(isPartialPostcode('flat 2')).toBe(false);
  });

  it('splits numbers from letters and drops punctuation, as the database does', () => {
    expect(searchWords("St Mary's Rd, 12a")).toEqual(['st', 'marys', 'rd', '12', 'a']);
    expect(searchWords('10-12 Church Road')).toEqual(['10', '12', 'church', 'road']);
  });

  it('matches whole numbers except the last word, which may still be being typed', () => {
    expect(wordPatterns(['12', 'high', 'st'])).toEqual([
      ['% 12 %'],
      ['% high%'],
      ['% st%', '% street%', '% saint%'],
    ]);
    expect(wordPatterns(['mill', '1'])).toEqual([['% mill%'], ['% 1%']]);
  });
});

describe('coordinates (proj4, EPSG:27700 with the OSTN15-approximating Helmert parameters)', () => {
  it('converts British National Grid to WGS84 within a few metres of ONSPD', () => {
    // AB1 0AA in the ONS Postcode Directory: 385386, 801193 → 57.101474, -2.242851.
    const ll = bngToWgs84(385386, 801193);
    expect(ll.lat).toBeCloseTo(57.101474, 4);
    expect(ll.long).toBeCloseTo(-2.242851, 4);
  });

  it('round-trips to the centimetre', () => {
    const ll = bngToWgs84(530000, 180000);
    expect(ll.lat).toBeCloseTo(51.50399, 4);
    const back = wgs84ToBng(ll.lat, ll.long);
    expect(back.easting).toBeCloseTo(530000, 1);
    expect(back.northing).toBeCloseTo(180000, 1);
  });
});

describe('checking AddressBase lines', () => {
  it('rejects each kind of bad line with a reason', () => {
    expect(checkRecord(5, ['24', 'I', '1', '12', 'K', 'ENG', '2']).rejection?.reason).toMatch(
      /26 fields|has 7 fields/,
    );
    expect(checkRecord(6, ['21', 'X', '1', '12', '1', '', '', '', '1', '1']).rejection?.reason).toContain(
      'CHANGE_TYPE',
    );
    expect(checkRecord(7, ['21', 'I', '1', 'abc', '1', '', '', '', '1', '1']).rejection?.reason).toContain(
      'UPRN',
    );
    expect(
      checkRecord(8, ['21', 'I', '1', '12', '1', '', '', '', '900000', '1']).rejection?.reason,
    ).toContain('outside');
    expect(checkRecord(9, ['66', 'I']).rejection?.reason).toContain('unknown record type');
  });

  it('fills in lat/long from X/Y when missing, keeps agreeing ones, and replaces contradictory ones', () => {
    const blank = checkRecord(1, ['21', 'I', '1', '12', '1', '', '', '', '530000', '180000', '', '']);
    expect(Number(blank.staged?.fields[10])).toBeCloseTo(51.50399, 4);
    const agreeing = checkRecord(1, [
      '21',
      'I',
      '1',
      '12',
      '1',
      '',
      '',
      '',
      '530000',
      '180000',
      '51.504',
      '-0.12836',
    ]);
    expect(agreeing.staged?.fields[10]).toBe('51.504');
    const wrong = checkRecord(1, ['21', 'I', '1', '12', '1', '', '', '', '530000', '180000', '50.7', '-3.5']);
    expect(wrong.warning).toMatch(/km from X\/Y/);
    expect(Number(wrong.staged?.fields[10])).toBeCloseTo(51.50399, 4);
  });

  it('accepts a trailer count with or without the header and trailer', () => {
    expect(trailerCountAgrees(10, 10)).toBe(true);
    expect(trailerCountAgrees(12, 10)).toBe(true);
    expect(trailerCountAgrees(1_269_403, 10)).toBe(false);
  });
});
