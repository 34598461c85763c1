import { describe, expect, it } from 'vitest';
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
  parseWithLibrary,
} from './parties.normalise.ts';
import { parseQuery } from './parties.search.ts';

describe('the fast path for UK phone numbers', () => {
  it("gives libphonenumber-js's answer for numbers across every UK range, however they are spaced", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
    const numbers = ['01800201234', '07624 123456', '01534 123456', '01481 123456', '07781 123456'];
    // Every three-digit start of a national number (mobile, geographic, non-geographic, Crown
    // Dependencies, unused ranges), with random endings of the right length and of wrong ones.
    for (let start = 0; start < 1000; start++)
      for (let i = 0; i < 6; i++) {
        const n = `0${String(start).padStart(3, '0')}${digits(i === 5 ? 6 : 7)}`;
        numbers.push(n, `${n.slice(0, 5)} ${n.slice(5)}`, `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`);
      }
    let valid = 0;
    for (const n of numbers) {
      const expected = parseWithLibrary(n);
      if (expected) valid++;
      expect(normalisePhone(n), n).toBe(expected);
    }
    // The sample holds plenty of both.
    expect(valid).toBeGreaterThan(2_000);
    expect(numbers.length - valid).toBeGreaterThan(2_000);
  });
});

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

  it('stores phone numbers in E.164, assuming the UK', () => {
    expect(normalisePhone('07911 123456')).toBe('+447911123456');
    expect(normalisePhone('+44 (0)20 7946 0001')).toBe('+442079460001');
    expect(normalisePhone('12345')).toBeUndefined();
    expect(normalisePhone('call me')).toBeUndefined();
    // The examples the phone error message gives must themselves be accepted.
    for (const example of ['020 7946 0018', '0113 496 0018', '+44 808 157 0192'])
      expect(normalisePhone(example)).toMatch(/^\+44\d{9,10}$/);
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
