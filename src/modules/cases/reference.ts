import { randomInt } from 'node:crypto';

/**
 * Human references for service requests, like GH-7KQ2-M4XD: Crockford base32 (no I, L, O or U, so
 * they survive being read over the phone), seven random characters and a check character (mod 37,
 * as Crockford's scheme defines), so a mistyped reference is caught before it is looked up.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHECK_SYMBOLS = `${ALPHABET}*~$=U`;

function checkSymbol(body: string): string {
  let value = 0n;
  for (const char of body) value = value * 32n + BigInt(ALPHABET.indexOf(char));
  return CHECK_SYMBOLS[Number(value % 37n)] ?? '*';
}

export function generateReference(prefix = 'GH'): string {
  let full = '';
  // Keep only references whose check character is in the alphabet too (none end in * ~ $ = or U).
  do {
    let body = '';
    for (let i = 0; i < 7; i++) body += ALPHABET[randomInt(32)];
    full = body + checkSymbol(body);
  } while (!ALPHABET.includes(full.at(-1) ?? '*'));
  return `${prefix}-${full.slice(0, 4)}-${full.slice(4)}`;
}

/**
 * Reads a reference as a person might type it: any case, with or without dashes and spaces, and with
 * O for 0 or I/L for 1. Returns the canonical form, or undefined if it is not a valid reference.
 */
export function normaliseReference(input: string, prefix = 'GH'): string | undefined {
  const compact = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(new RegExp(`^${prefix}`), '');
  if (compact.length !== 8) return undefined;
  const body = compact.slice(0, 7).replace(/O/g, '0').replace(/[IL]/g, '1');
  const check = compact.slice(7).replace(/O/g, '0').replace(/[IL]/g, '1');
  if ([...body].some((c) => !ALPHABET.includes(c))) return undefined;
  if (checkSymbol(body) !== check) return undefined;
  const full = body + check;
  return `${prefix}-${full.slice(0, 4)}-${full.slice(4)}`;
}
