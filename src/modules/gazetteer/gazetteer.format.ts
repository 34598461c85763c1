/**
 * BS7666 address presentation, following the GeoPlace / AddressBase conventions:
 *   organisation
 *   SAO text                       (e.g. "Flat 2")
 *   SAO number range + PAO text    (e.g. "2 Mill House", or the PAO text alone)
 *   PAO number range + street      (e.g. "12-14 High Street", or the street alone)
 *   locality (when it differs from the town)
 *   town
 *   postcode
 * Text is shown as the custodian recorded it: the gazetteer's case is the council's choice.
 */
export interface AddressableObject {
  startNumber: number | null;
  startSuffix: string | null;
  endNumber: number | null;
  endSuffix: string | null;
  text: string | null;
}

export interface AddressParts {
  organisation?: string | null;
  sao: AddressableObject;
  pao: AddressableObject;
  street: string | null;
  locality: string | null;
  town: string | null;
  administrativeArea?: string | null;
  postcode: string | null;
}

export interface FormattedAddress {
  /** Address lines without the postcode. */
  lines: string[];
  postcode: string | null;
  /** Every line and the postcode, comma separated. */
  singleLine: string;
}

const clean = (value: string | null | undefined): string => (value ?? '').trim().replace(/\s+/g, ' ');

/** "12", "12A", "12-14", "12A-12C": a BS7666 number range. */
export function numberRange(aob: AddressableObject): string {
  if (aob.startNumber === null) return '';
  const start = `${aob.startNumber}${clean(aob.startSuffix)}`;
  if (aob.endNumber === null) return start;
  return `${start}-${aob.endNumber}${clean(aob.endSuffix)}`;
}

export function formatAddress(parts: AddressParts): FormattedAddress {
  const lines: string[] = [];
  const push = (line: string) => {
    const text = clean(line);
    if (text && lines.at(-1)?.toLowerCase() !== text.toLowerCase()) lines.push(text);
  };
  push(parts.organisation ?? '');
  const saoText = clean(parts.sao.text);
  const saoRange = numberRange(parts.sao);
  const paoText = clean(parts.pao.text);
  const paoRange = numberRange(parts.pao);
  const street = clean(parts.street);
  push(saoText);
  if (paoText) {
    push(saoRange ? `${saoRange} ${paoText}` : paoText);
  } else if (saoRange) {
    push(saoRange);
  }
  push(paoRange ? `${paoRange} ${street}` : street);
  const town = clean(parts.town);
  const locality = clean(parts.locality);
  if (locality && locality.toLowerCase() !== town.toLowerCase()) push(locality);
  push(town || clean(parts.administrativeArea));
  const postcode = parts.postcode ? formatPostcode(parts.postcode) : null;
  return { lines, postcode, singleLine: [...lines, ...(postcode ? [postcode] : [])].join(', ') };
}

// The shape of a UK postcode (BS7666 / Royal Mail): outward code, space, inward code.
const FULL_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/;
const PARTIAL_POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]?(?:[0-9][A-Z]?)?$/;

/** Upper case, without spaces: how postcodes are compared. */
export function postcodeKey(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** "sw1a1aa" → "SW1A 1AA"; anything that is not a full postcode is returned upper-cased. */
export function formatPostcode(value: string): string {
  const key = postcodeKey(value);
  const match = FULL_POSTCODE.exec(key);
  return match ? `${match[1]} ${match[2]}` : value.trim().toUpperCase();
}

export function isFullPostcode(value: string): boolean {
  return FULL_POSTCODE.test(postcodeKey(value)) && /^[A-Za-z0-9 ]+$/.test(value.trim());
}

/** An outward code with perhaps the start of the inward code ("SW1A", "SW1A 1"). */
export function isPartialPostcode(value: string): boolean {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9]+( [A-Za-z0-9]{0,3})?$/.test(trimmed)) return false;
  return PARTIAL_POSTCODE.test(postcodeKey(trimmed));
}

/**
 * The words of a search, normalised exactly as the database's gazetteer_search_text() normalises
 * addresses: lower case, apostrophes dropped, punctuation to spaces, numbers split from letters.
 */
export function searchWords(value: string): string[] {
  return value
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/([0-9])([a-z])/g, '$1 $2')
    .replace(/([a-z])([0-9])/g, '$1 $2')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

/** Abbreviations people type for the words addresses are written with. */
export const STREET_ABBREVIATIONS: Readonly<Record<string, readonly string[]>> = {
  rd: ['road'],
  st: ['street', 'saint'],
  ave: ['avenue'],
  av: ['avenue'],
  cl: ['close'],
  ct: ['court'],
  cres: ['crescent'],
  cr: ['crescent'],
  dr: ['drive'],
  gdns: ['gardens'],
  gr: ['grove'],
  ln: ['lane'],
  pl: ['place'],
  sq: ['square'],
  ter: ['terrace'],
  terr: ['terrace'],
  pk: ['park'],
  hse: ['house'],
  ho: ['house'],
  apt: ['apartment', 'flat'],
  flt: ['flat'],
  mt: ['mount'],
  cott: ['cottage'],
  cotts: ['cottages'],
  bldg: ['building'],
  blk: ['block'],
  hts: ['heights'],
  wy: ['way'],
};
