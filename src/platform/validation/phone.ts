import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { Metadata } from 'libphonenumber-js/core';
import minMetadata from 'libphonenumber-js/min/metadata';

/**
 * The one phone rule: libphonenumber-js, the UK assumed when no country code is given. The party
 * register stores what it accepts, and every channel or form that takes a phone number checks it with
 * the same rule, so a number accepted on a form is never refused later when the request is sent.
 * Ofcom's drama numbers (01632 960xxx, 07700 900xxx) are not valid numbers and are refused.
 */

/** The message for a number the rule refuses; every example in it is accepted by the rule. */
export const PHONE_FORMAT_MESSAGE =
  'Enter a phone number, like 020 7946 0018, 0113 496 0018 or +44 808 157 0192';

/** A phone number's description for API clients, with an example the rule accepts. */
export const PHONE_DESCRIPTION = 'A telephone number, like 020 7946 0018';

// The parts of libphonenumber-js's numbering plan (its own metadata) that it checks a number with.
interface PlanPatterns {
  nationalNumberPattern(): string;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/**
 * Whether a UK national significant number is valid for the UK itself, decided as libphonenumber-js
 * decides it (the general pattern, then each number type's pattern and lengths) from the same
 * metadata, with the patterns compiled once: the library builds each pattern as a new RegExp on every
 * call, which made checking phones the larger part of a bulk import's work.
 */
const validForUk: (nationalNumber: string) => boolean = (() => {
  const metadata = new Metadata(minMetadata);
  metadata.selectNumberingPlan('GB');
  const plan = metadata.numberingPlan as unknown as PlanPatterns;
  const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
  const general = whole(plan.nationalNumberPattern());
  const types = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP']
    .concat(['PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'])
    .flatMap((name) => {
      const type = plan.type(name);
      const pattern = type?.pattern();
      return type && pattern ? [{ pattern: whole(pattern), lengths: type.possibleLengths() }] : [];
    });
  return (n) =>
    general.test(n) && types.some((t) => (!t.lengths || t.lengths.includes(n.length)) && t.pattern.test(n));
})();

/** A phone number in E.164 (+447911123456), assuming the UK when no country code is given. */
export function normalisePhone(value: string): string | undefined {
  const trimmed = value.trim();
  // The common case, a UK number written nationally (07911 123456) and valid for the UK: the answer
  // libphonenumber-js gives, without its cost. Everything else (other forms, the Crown Dependencies'
  // numbers, invalid numbers) is the library's to decide.
  if (/^0[\d ]{10,14}$/.test(trimmed)) {
    const digits = trimmed.replaceAll(' ', '');
    if (digits.length === 11 && validForUk(digits.slice(1))) return `+44${digits.slice(1)}`;
  }
  return parseWithLibrary(trimmed);
}

/** libphonenumber-js's answer for any number (exported for the test that holds the fast path to it). */
export function parseWithLibrary(trimmed: string): string | undefined {
  // Digits with the usual separators; a number may start with its area code in brackets, "(020) 7946 0018".
  if (!/^[+(\d][\d\s().-]{5,}$/.test(trimmed)) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed, 'GB');
  return parsed?.isValid() ? parsed.number : undefined;
}

/** For display: UK numbers in national format, others in international format. */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === 'GB' ? parsed.formatNational() : parsed.formatInternational();
}
