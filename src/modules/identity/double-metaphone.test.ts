import { describe, expect, it } from 'vitest';
import { doubleMetaphone, metaphoneMatch } from './double-metaphone.ts';

describe('doubleMetaphone', () => {
  it('gives the codes of Philips’ examples', () => {
    expect(doubleMetaphone('Smith')).toEqual(['SM0', 'XMT']);
    expect(doubleMetaphone('Schmidt')).toEqual(['XMT', 'SMT']);
    expect(doubleMetaphone('Xavier')).toEqual(['SF', 'SFR']);
    expect(doubleMetaphone('Jose')).toEqual(['HS', 'HS']);
    expect(doubleMetaphone('Knight')).toEqual(['NT', 'NT']);
    expect(doubleMetaphone('Catherine')).toEqual(['K0RN', 'KTRN']);
    expect(doubleMetaphone('tagliaro')).toEqual(['TKLR', 'TLR']);
    expect(doubleMetaphone('cabrillo')).toEqual(['KPRL', 'KPR']);
    expect(doubleMetaphone('villa')).toEqual(['FL', 'F']);
    expect(doubleMetaphone('svaraj')).toEqual(['SFRJ', 'SFR']);
  });

  it('applies the context rules for C, G, GH and TH', () => {
    expect(doubleMetaphone('Michael')).toEqual(['MKL', 'MXL']);
    expect(doubleMetaphone('laugh')[0]).toBe('LF');
    expect(doubleMetaphone('hugh')[0]).toBe('H');
    expect(doubleMetaphone('broughton')[0]).toBe('PRTN');
    expect(doubleMetaphone('thumb')[0]).toBe('0M');
    expect(doubleMetaphone('Thompson')[0]).toBe('TMPS');
    expect(doubleMetaphone('czerny')).toEqual(['SRN', 'XRN']);
    expect(doubleMetaphone('Gerben')).toEqual(['KRPN', 'JRPN']);
  });

  it('ignores case, accents and punctuation', () => {
    expect(doubleMetaphone('HiCcUpS')).toEqual(doubleMetaphone('hiccups'));
    expect(doubleMetaphone("O'Brien")).toEqual(doubleMetaphone('obrien'));
    expect(doubleMetaphone('Zoë')).toEqual(doubleMetaphone('zoe'));
    expect(doubleMetaphone('Ç')[0]).toBe('S');
    expect(doubleMetaphone('')).toEqual(['', '']);
  });

  it('matches spellings that sound alike and not ones that do not', () => {
    expect(metaphoneMatch(doubleMetaphone('Catherine'), doubleMetaphone('Kathryn'))).toBe(true);
    expect(metaphoneMatch(doubleMetaphone('Smith'), doubleMetaphone('Smythe'))).toBe(true);
    expect(metaphoneMatch(doubleMetaphone('Smith'), doubleMetaphone('Jones'))).toBe(false);
  });
});
