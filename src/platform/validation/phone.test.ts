import { describe, expect, it } from 'vitest';
import { normalisePhone, PHONE_FORMAT_MESSAGE, parseWithLibrary } from './phone.ts';

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

describe('the one phone rule', () => {
  it('stores phone numbers in E.164, assuming the UK', () => {
    expect(normalisePhone('07911 123456')).toBe('+447911123456');
    expect(normalisePhone('+44 (0)20 7946 0001')).toBe('+442079460001');
    expect(normalisePhone('12345')).toBeUndefined();
    expect(normalisePhone('call me')).toBeUndefined();
    // The examples the phone error message gives must themselves be accepted.
    for (const example of ['020 7946 0018', '0113 496 0018', '+44 808 157 0192'])
      expect(normalisePhone(example)).toMatch(/^\+44\d{9,10}$/);
    // The message names exactly those examples, and every one of them passes.
    const examples = PHONE_FORMAT_MESSAGE.replace(/^.*like /, '').split(/, | or /);
    expect(examples).toEqual(['020 7946 0018', '0113 496 0018', '+44 808 157 0192']);
    for (const example of examples) expect(normalisePhone(example), example).toBeDefined();
  });

  it("refuses Ofcom's drama numbers, which are not real numbers", () => {
    for (const drama of ['07700 900982', '07700 900 123', '+44 7700 900982', '01632 960 001'])
      expect(normalisePhone(drama), drama).toBeUndefined();
  });

  it('reads an area code written in brackets', () => {
    expect(normalisePhone('(020) 7946 0018')).toBe('+442079460018');
    expect(normalisePhone('(0113) 496 0018')).toBe('+441134960018');
  });
});
