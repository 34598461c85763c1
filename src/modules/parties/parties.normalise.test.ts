import { describe, expect, it } from 'vitest';
import { PHONE_FORMAT_MESSAGE } from '../../platform/validation/phone.ts';
import { validateAnswers } from '../catalogue/index.ts';
import {
  nameKey,
  newPartyReference,
  normaliseEmail,
  normaliseNhsNumber,
  normaliseNiNumber,
  normalisePartyReference,
  normalisePhone,
  normalisePostcode,
  parsePartialDate,
} from './parties.normalise.ts';
import { parseQuery } from './parties.search.ts';

describe('normalising what people type', () => {
  it('keys names without case, accents or punctuation', () => {
    expect(nameKey("O'Brien-Smith")).toBe('obriensmith');
    expect(nameKey('Zoë')).toBe('zoe');
  });

  it('accepts UK postcodes with or without the space and refuses others', () => {
    expect(normalisePostcode('sw1a2aa')).toBe('SW1A 2AA');
    expect(normalisePostcode(' SE1  7PB ')).toBe('SE1 7PB');
    expect(normalisePostcode('NOTAPOSTCODE')).toBeUndefined();
    expect(normalisePostcode('QA1 1AA')).toBeUndefined();
  });

  it('stores phone numbers in E.164 by the one phone rule, which the form engine shares', () => {
    expect(normalisePhone('07911 123456')).toBe('+447911123456');
    // A report's phone question accepts exactly what the register will store, and refuses the rest.
    const question = { code: 'phone', type: 'phone', label: 'Phone', required: true } as const;
    for (const typed of [
      '07911 123456',
      '020 7946 0018',
      '(0113) 496 0018',
      '+44 808 157 0192',
      '+1 415 555 2671',
    ])
      expect(validateAnswers([question], { phone: typed }).errors, typed).toEqual([]);
    for (const typed of ['07700 900 982', '01632 960 001', '12345', '020 7946 001']) {
      expect(normalisePhone(typed), typed).toBeUndefined();
      expect(validateAnswers([question], { phone: typed }).errors, typed).toEqual([
        { field: 'phone', message: PHONE_FORMAT_MESSAGE },
      ]);
    }
  });

  it('checks email, NI number and NHS number (modulus 11)', () => {
    expect(normaliseEmail(' Jo.Bloggs@Example.COM ')).toBe('jo.bloggs@example.com');
    expect(normaliseEmail('jo@localhost')).toBeUndefined();
    expect(normaliseNiNumber('ab 12 34 56 c')).toBe('AB123456C');
    expect(normaliseNiNumber('QQ123456C')).toBeUndefined();
    expect(normaliseNiNumber('AB123456E')).toBeUndefined();
    expect(normaliseNhsNumber('943 476 5919')).toBe('9434765919');
    expect(normaliseNhsNumber('943 476 5918')).toBeUndefined();
  });

  it('parses full and partial dates, British order included, and refuses impossible ones', () => {
    expect(parsePartialDate('1957-03-12')).toEqual({ date: '1957-03-12', precision: 'day' });
    expect(parsePartialDate('12/03/1957')).toEqual({ date: '1957-03-12', precision: 'day' });
    expect(parsePartialDate('1957-03')).toEqual({ date: '1957-03-01', precision: 'month' });
    expect(parsePartialDate('1957')).toEqual({ date: '1957-01-01', precision: 'year' });
    expect(parsePartialDate('1957-02-30')).toBeUndefined();
    expect(parsePartialDate('31/02/1980')).toBeUndefined();
  });

  it('makes references whose check character catches a mistyped character', () => {
    const reference = newPartyReference();
    expect(normalisePartyReference(reference.toLowerCase())).toBe(reference);
    const wrong = reference.slice(0, 3) + (reference[3] === '7' ? '8' : '7') + reference.slice(4);
    expect(normalisePartyReference(wrong)).toBeUndefined();
  });
});

describe('reading a search query', () => {
  it('picks out each kind of clue', () => {
    expect(parseQuery('margaret.thompson@example.com')).toMatchObject({
      email: 'margaret.thompson@example.com',
    });
    expect(parseQuery('07911123456')).toMatchObject({ phone: '+447911123456' });
    expect(parseQuery('se17pb')).toMatchObject({ postcode: 'SE1 7PB' });
    expect(parseQuery('AB123456C')).toMatchObject({ identifier: 'AB123456C' });
    expect(parseQuery('Maggie Thompson 1957')).toMatchObject({
      words: ['maggie', 'thompson'],
      dateOfBirth: { date: '1957-01-01', precision: 'year' },
    });
    expect(parseQuery('thompson SE1 7PB')).toMatchObject({ words: ['thompson'], postcode: 'SE1 7PB' });
    expect(parseQuery('thompson 07911 123456')).toMatchObject({
      words: ['thompson'],
      phone: '+447911123456',
    });
    expect(parseQuery('thompson 1957-03-12')).toMatchObject({
      words: ['thompson'],
      dateOfBirth: { precision: 'day' },
    });
  });

  it('takes the start of a reference as no clue at all, not as a name to match by sound', () => {
    for (const typed of ['GH-', 'gh-', 'GH-G78T', 'GH-G78T-06', 'P-7KQ2', 'GH -'])
      expect(parseQuery(typed), typed).toEqual({ words: [] });
    expect(parseQuery('Gh')).toMatchObject({ words: ['gh'] });
  });
});
