import type { FieldError } from '../../platform/http/errors.ts';
import { PHONE_FORMAT_MESSAGE } from '../../platform/validation/phone.ts';
import {
  identifierKey,
  nameKey,
  nameWords,
  normaliseEmail,
  normaliseNhsNumber,
  normaliseNiNumber,
  normalisePhone,
  normalisePostcode,
  parsePartialDate,
} from './parties.normalise.ts';
import type {
  AddressRole,
  IdentifierScheme,
  NewAddress,
  NewContactPoint,
  NewIdentifier,
  NewName,
  PartyFields,
  PartyKind,
} from './parties.repository.ts';

/** What a caller sends to create or change a party (the API's JSON and the staff form both map to it). */
export interface PartyInput {
  kind?: string;
  title?: string;
  givenName?: string;
  givenNames?: string;
  familyName?: string;
  suffix?: string;
  preferredName?: string;
  organisationName?: string;
  organisationType?: string;
  /** A household's name, e.g. "Thompson household". */
  name?: string;
  dateOfBirth?: string;
  dateOfDeath?: string;
  address?: AddressInput;
  addresses?: AddressInput[];
  phone?: string;
  email?: string;
  contactPoints?: ContactPointInput[];
  niNumber?: string;
  nhsNumber?: string;
  identifiers?: IdentifierInput[];
  communication?: CommunicationInput;
}

export interface AddressInput {
  text?: string;
  postcode?: string;
  role?: string;
  uprn?: string | number;
  validFrom?: string;
  validTo?: string;
}

export interface ContactPointInput {
  kind?: string;
  value?: string;
  label?: string;
  preferred?: boolean;
  verified?: boolean;
  doNotContact?: boolean;
}

export interface IdentifierInput {
  scheme?: string;
  system?: string;
  value?: string;
}

export interface CommunicationInput {
  preferredChannel?: string;
  language?: string;
  languageOther?: string;
  largePrint?: boolean;
  bsl?: boolean;
  interpreter?: boolean;
}

export const PARTY_KINDS = ['person', 'organisation', 'household'] as const;
export const ORGANISATION_TYPES = ['business', 'charity', 'partner_agency', 'public_body', 'other'] as const;
export const ADDRESS_ROLES = ['home', 'correspondence', 'work'] as const;
export const IDENTIFIER_SCHEMES = ['ni_number', 'nhs_number', 'council_tax', 'tenancy', 'source'] as const;
export const CHANNELS = ['phone', 'email', 'sms', 'post', 'in_person'] as const;
export const LANGUAGES = ['en', 'cy', 'other'] as const;

export const IDENTIFIER_LABELS: Record<IdentifierScheme, string> = {
  ni_number: 'National Insurance number',
  nhs_number: 'NHS number',
  council_tax: 'Council tax account',
  tenancy: 'Housing tenancy reference',
  source: 'Source system key',
};

const text = (value: string | undefined, max = 200): string | null => {
  const trimmed = value?.replace(/\s+/g, ' ').trim() ?? '';
  return trimmed === '' ? null : trimmed.slice(0, max);
};

const oneOf = <T extends string>(list: readonly T[], value: string | undefined): value is T =>
  value !== undefined && (list as readonly string[]).includes(value);

/** A party's fields, names, identifiers, contact points and addresses, all checked and normalised. */
export interface ValidParty {
  fields: PartyFields;
  names: NewName[];
  identifiers: NewIdentifier[];
  contactPoints: NewContactPoint[];
  addresses: NewAddress[];
}

export function displayNameOf(fields: {
  kind: PartyKind;
  givenNames: string | null;
  familyName: string | null;
  suffix: string | null;
  organisationName: string | null;
}): string {
  if (fields.kind === 'person')
    return [fields.givenNames, fields.familyName, fields.suffix].filter(Boolean).join(' ');
  return fields.organisationName ?? '';
}

/** The names a person is searched by: their current name and, if different, their preferred one. */
export function searchNamesOf(fields: PartyFields): NewName[] {
  if (fields.kind !== 'person') return [];
  const familyKey = nameKey(fields.familyName ?? '');
  const givenKey = nameWords(fields.givenNames ?? '')[0] ?? '';
  const names: NewName[] = [
    {
      use: 'current',
      title: fields.title,
      givenNames: fields.givenNames,
      familyName: fields.familyName,
      givenKey,
      familyKey,
      validFrom: null,
      validTo: null,
    },
  ];
  const preferredKey = nameWords(fields.preferredName ?? '')[0];
  if (preferredKey && preferredKey !== givenKey) {
    names.push({
      use: 'preferred',
      title: null,
      givenNames: fields.preferredName,
      familyName: fields.familyName,
      givenKey: preferredKey,
      familyKey,
      validFrom: null,
      validTo: null,
    });
  }
  return names;
}

export function validateIdentifier(
  input: IdentifierInput,
  field: string,
  errors: FieldError[],
): NewIdentifier | undefined {
  const scheme = input.scheme;
  const value = input.value?.trim() ?? '';
  if (!oneOf(IDENTIFIER_SCHEMES, scheme)) {
    errors.push({
      field: `${field}.scheme`,
      message: `Choose an identifier scheme: ${IDENTIFIER_SCHEMES.join(', ')}`,
    });
    return undefined;
  }
  if (value === '') {
    errors.push({ field: `${field}.value`, message: `Enter the ${IDENTIFIER_LABELS[scheme]}` });
    return undefined;
  }
  if (scheme === 'ni_number') {
    const ni = normaliseNiNumber(value);
    if (!ni) {
      errors.push({
        field: field === 'niNumber' ? field : `${field}.value`,
        message: 'Enter a National Insurance number in the correct format, like AB 12 34 56 C',
      });
      return undefined;
    }
    return { scheme, system: null, value: ni, valueKey: ni };
  }
  if (scheme === 'nhs_number') {
    const nhs = normaliseNhsNumber(value);
    if (!nhs) {
      errors.push({
        field: field === 'nhsNumber' ? field : `${field}.value`,
        message: 'Enter a valid NHS number: 10 digits, like 943 476 5919, with a correct check digit',
      });
      return undefined;
    }
    return { scheme, system: null, value: nhs, valueKey: nhs };
  }
  if (value.length > 100) {
    errors.push({ field: `${field}.value`, message: 'An identifier must be 100 characters or fewer' });
    return undefined;
  }
  let system: string | null = null;
  if (scheme === 'source') {
    system = text(input.system, 50)?.toLowerCase() ?? null;
    if (!system || !/^[a-z0-9][a-z0-9_.-]*$/.test(system)) {
      errors.push({
        field: `${field}.system`,
        message:
          'Name the source system in lower case letters, digits, dots, dashes or underscores, like "revenues"',
      });
      return undefined;
    }
  }
  return { scheme, system, value, valueKey: identifierKey(value) };
}

export function validateAddress(
  input: AddressInput,
  field: string,
  errors: FieldError[],
): NewAddress | undefined {
  const before = errors.length;
  const addressText = text(input.text, 500);
  if (!addressText) errors.push({ field: `${field}.text`, message: 'Enter the address' });
  let postcode: string | null = null;
  if (input.postcode !== undefined && input.postcode.trim() !== '') {
    postcode = normalisePostcode(input.postcode) ?? null;
    if (!postcode)
      errors.push({ field: `${field}.postcode`, message: 'Enter a real postcode, like SW1A 1AA' });
  }
  const role = input.role ?? 'home';
  if (!oneOf(ADDRESS_ROLES, role))
    errors.push({ field: `${field}.role`, message: 'The address role must be home, correspondence or work' });
  let uprn: number | null = null;
  if (input.uprn !== undefined && String(input.uprn).trim() !== '') {
    const digits = String(input.uprn).trim();
    if (!/^\d{1,12}$/.test(digits) || Number(digits) === 0)
      errors.push({ field: `${field}.uprn`, message: 'A UPRN is a number of up to 12 digits' });
    else uprn = Number(digits);
  }
  const validFrom = input.validFrom ? parsePartialDate(input.validFrom) : undefined;
  if (input.validFrom && validFrom?.precision !== 'day')
    errors.push({ field: `${field}.validFrom`, message: 'Enter a real date, like 2026-03-31' });
  const validTo = input.validTo ? parsePartialDate(input.validTo) : undefined;
  if (input.validTo && validTo?.precision !== 'day')
    errors.push({ field: `${field}.validTo`, message: 'Enter a real date, like 2026-03-31' });
  if (errors.length > before || !addressText || !oneOf(ADDRESS_ROLES, role)) return undefined;
  return {
    role: role as AddressRole,
    text: addressText,
    postcode,
    postcodeKey: postcode ? postcode.replace(' ', '') : null,
    uprn,
    validFrom: validFrom?.date ?? null,
    validTo: validTo?.date ?? null,
  };
}

export function validateContactPoint(
  input: ContactPointInput,
  field: string,
  errors: FieldError[],
): NewContactPoint | undefined {
  const kind = input.kind;
  const raw = input.value ?? '';
  const flags = {
    label: text(input.label, 50),
    isPreferred: input.preferred === true,
    isVerified: input.verified === true,
    doNotContact: input.doNotContact === true,
  };
  if (kind === 'phone') {
    const phone = normalisePhone(raw);
    if (!phone) {
      errors.push({
        field: field === 'phone' ? field : `${field}.value`,
        message: PHONE_FORMAT_MESSAGE,
      });
      return undefined;
    }
    return { kind, value: phone, ...flags };
  }
  if (kind === 'email') {
    const email = normaliseEmail(raw);
    if (!email) {
      errors.push({
        field: field === 'email' ? field : `${field}.value`,
        message: 'Enter an email address in the correct format, like name@example.com',
      });
      return undefined;
    }
    return { kind, value: email, ...flags };
  }
  errors.push({ field: `${field}.kind`, message: 'A contact point is a phone or an email' });
  return undefined;
}

// Today's date (UTC, as the check always took it), worked out again only when the day may have changed.
let todayIso = '';
let todayUntil = 0;
function today(): string {
  const now = Date.now();
  if (now >= todayUntil) {
    todayIso = new Date(now).toISOString().slice(0, 10);
    todayUntil = Date.parse(`${todayIso}T00:00:00Z`) + 86_400_000;
  }
  return todayIso;
}

function partialDate(value: string | undefined, field: string, errors: FieldError[], allowPartial: boolean) {
  if (value === undefined || value.trim() === '') return null;
  const parsed = parsePartialDate(value);
  if (!parsed || (!allowPartial && parsed.precision !== 'day')) {
    errors.push({
      field,
      message: allowPartial
        ? 'Enter a real date in the format YYYY-MM-DD (or YYYY-MM, or YYYY when only the year is known)'
        : 'Enter a real date in the format YYYY-MM-DD',
    });
    return null;
  }
  if (parsed.date > today()) {
    errors.push({ field, message: 'The date must be today or in the past' });
    return null;
  }
  return parsed;
}

/**
 * Checks a whole party as the caller sent it. `existing` is the party being changed, so a PATCH need
 * only send what changes. Throws nothing: returns the errors, each naming its field.
 */
export function validateParty(
  input: PartyInput,
  existing?: PartyFields,
): { party?: ValidParty; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const kind = (input.kind ?? existing?.kind) as string | undefined;
  if (!oneOf(PARTY_KINDS, kind)) {
    errors.push({
      field: 'kind',
      message: 'Say what kind of party this is: person, organisation or household',
    });
    return { errors };
  }
  if (existing && input.kind !== undefined && input.kind !== existing.kind)
    errors.push({ field: 'kind', message: 'A party cannot change kind' });

  const pick = (key: keyof PartyInput, current: string | null | undefined, max = 200) =>
    key in input ? text(input[key] as string | undefined, max) : (current ?? null);

  const givenNames =
    input.givenNames !== undefined || input.givenName !== undefined
      ? text(input.givenNames ?? input.givenName)
      : (existing?.givenNames ?? null);
  const familyName = pick('familyName', existing?.familyName);
  const organisationName =
    kind === 'household'
      ? 'name' in input
        ? text(input.name)
        : (existing?.organisationName ?? null)
      : pick('organisationName', existing?.organisationName);
  const organisationType = pick('organisationType', existing?.organisationType, 30);

  if (kind === 'person') {
    if (!familyName) errors.push({ field: 'familyName', message: 'Enter the family name (surname)' });
    if (!givenNames && !familyName)
      errors.push({ field: 'givenName', message: 'Enter the first name (given name)' });
  } else if (kind === 'organisation') {
    if (!organisationName)
      errors.push({ field: 'organisationName', message: 'Enter the organisation’s name' });
    if (organisationType && !oneOf(ORGANISATION_TYPES, organisationType))
      errors.push({
        field: 'organisationType',
        message: `The organisation type must be one of ${ORGANISATION_TYPES.join(', ')}`,
      });
  } else if (!organisationName) {
    errors.push({ field: 'name', message: 'Enter the household’s name, like “Thompson household”' });
  }

  const dobInput = 'dateOfBirth' in input ? input.dateOfBirth : undefined;
  let dateOfBirth = existing?.dateOfBirth ?? null;
  let birthDatePrecision = existing?.birthDatePrecision ?? null;
  if ('dateOfBirth' in input) {
    const parsed = partialDate(dobInput, 'dateOfBirth', errors, true);
    dateOfBirth = parsed?.date ?? null;
    birthDatePrecision = parsed?.precision ?? null;
  }
  let dateOfDeath = existing?.dateOfDeath ?? null;
  if ('dateOfDeath' in input)
    dateOfDeath = partialDate(input.dateOfDeath, 'dateOfDeath', errors, false)?.date ?? null;
  if (dateOfBirth && dateOfDeath && dateOfDeath < dateOfBirth)
    errors.push({ field: 'dateOfDeath', message: 'The date of death must be after the date of birth' });
  if (kind !== 'person' && (dateOfBirth || dateOfDeath))
    errors.push({ field: 'dateOfBirth', message: 'Only a person has a date of birth' });

  const comms = input.communication ?? {};
  const preferredChannel =
    'preferredChannel' in comms ? text(comms.preferredChannel, 20) : (existing?.preferredChannel ?? null);
  if (preferredChannel && !oneOf(CHANNELS, preferredChannel))
    errors.push({
      field: 'communication.preferredChannel',
      message: `The preferred channel must be one of ${CHANNELS.join(', ')}`,
    });
  const language = comms.language ?? existing?.language ?? 'en';
  if (!oneOf(LANGUAGES, language))
    errors.push({ field: 'communication.language', message: 'The language must be en, cy or other' });
  const languageOther =
    language === 'other' ? (text(comms.languageOther, 50) ?? existing?.languageOther ?? null) : null;
  if (language === 'other' && !languageOther)
    errors.push({ field: 'communication.languageOther', message: 'Say which language they prefer' });

  const identifiers: NewIdentifier[] = [];
  if (input.niNumber?.trim())
    pushDefined(
      identifiers,
      validateIdentifier({ scheme: 'ni_number', value: input.niNumber }, 'niNumber', errors),
    );
  if (input.nhsNumber?.trim())
    pushDefined(
      identifiers,
      validateIdentifier({ scheme: 'nhs_number', value: input.nhsNumber }, 'nhsNumber', errors),
    );
  (input.identifiers ?? []).forEach((identifier, i) => {
    pushDefined(identifiers, validateIdentifier(identifier, `identifiers.${i}`, errors));
  });

  const contactPoints: NewContactPoint[] = [];
  if (input.phone?.trim())
    pushDefined(
      contactPoints,
      validateContactPoint({ kind: 'phone', value: input.phone, preferred: true }, 'phone', errors),
    );
  if (input.email?.trim())
    pushDefined(
      contactPoints,
      validateContactPoint({ kind: 'email', value: input.email, preferred: true }, 'email', errors),
    );
  (input.contactPoints ?? []).forEach((point, i) => {
    pushDefined(contactPoints, validateContactPoint(point, `contactPoints.${i}`, errors));
  });

  const addresses: NewAddress[] = [];
  if (input.address && (input.address.text?.trim() || input.address.postcode?.trim()))
    pushDefined(addresses, validateAddress(input.address, 'address', errors));
  (input.addresses ?? []).forEach((address, i) => {
    pushDefined(addresses, validateAddress(address, `addresses.${i}`, errors));
  });

  if (errors.length > 0) return { errors };

  const partyKind = kind as PartyKind;
  const title = pick('title', existing?.title, 30);
  const suffix = pick('suffix', existing?.suffix, 30);
  const base = {
    kind: partyKind,
    givenNames: partyKind === 'person' ? givenNames : null,
    familyName: partyKind === 'person' ? familyName : null,
    suffix: partyKind === 'person' ? suffix : null,
    organisationName: partyKind === 'person' ? null : organisationName,
  };
  const displayName = displayNameOf(base);
  const fields: PartyFields = {
    ...base,
    title: partyKind === 'person' ? title : null,
    preferredName: partyKind === 'person' ? pick('preferredName', existing?.preferredName, 100) : null,
    organisationType: partyKind === 'organisation' ? organisationType : null,
    displayName,
    nameKey: nameWords(displayName).join(' '),
    dateOfBirth,
    birthDatePrecision,
    dateOfDeath,
    preferredChannel,
    language,
    languageOther,
    largePrint: comms.largePrint ?? existing?.largePrint ?? false,
    bsl: comms.bsl ?? existing?.bsl ?? false,
    interpreter: comms.interpreter ?? existing?.interpreter ?? false,
  };
  return {
    party: { fields, names: searchNamesOf(fields), identifiers, contactPoints, addresses },
    errors,
  };
}

function pushDefined<T>(list: T[], value: T | undefined): void {
  if (value !== undefined) list.push(value);
}
