import type { Executor } from '../../platform/db/database.ts';
import {
  formatPartialDate,
  identifierKey,
  nameKey,
  normaliseEmail,
  normaliseNiNumber,
  normalisePartyReference,
  normalisePhone,
  normalisePostcode,
  type PartialDate,
  parsePartialDate,
  postcodeKey,
} from './parties.normalise.ts';
import * as repo from './parties.repository.ts';
import { IDENTIFIER_LABELS } from './parties.validate.ts';
import type { NameVariants } from './parties.variants.ts';

/** One party found by a search, with why it matched. */
export interface PartySearchResult {
  readonly party: repo.PartySummary;
  readonly score: number;
  readonly reasons: readonly string[];
}

/** What the words typed into the search box were taken to be. */
export interface ParsedQuery {
  words: string[];
  dateOfBirth?: PartialDate;
  postcode?: string;
  phone?: string;
  email?: string;
  reference?: string;
  identifier?: string;
}

/** A request (GH-) or party (P-) reference, whole or in part: the prefix and its dash, then its characters. */
const REFERENCE_PREFIX = /^(?:GH|P) ?-[\s0-9A-Z-]*$/i;
const POSTCODE_ALONE = /^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$/;

/**
 * Splits a free-text query into clues: an email, a phone number, a postcode, a reference, an
 * identifier, a date (or year) of birth, and the words of a name.
 */
export function parseQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = { words: [] };
  let rest = query.trim().replace(/\s+/g, ' ');
  if (rest === '') return parsed;

  const reference = normalisePartyReference(rest);
  if (reference) return { ...parsed, reference };
  // The start of a reference ("GH-", "GH-7KQ2", "P-7K") is being typed, not a name: "Gh" must not
  // match Kay by sound. The reference is looked up once it is whole.
  if (REFERENCE_PREFIX.test(rest)) return parsed;
  const email = rest.includes('@') ? normaliseEmail(rest) : undefined;
  if (email) return { ...parsed, email };
  if (POSTCODE_ALONE.test(rest)) {
    const postcode = normalisePostcode(rest);
    if (postcode) return { ...parsed, postcode };
  }
  const ni = normaliseNiNumber(rest);
  if (ni) return { ...parsed, identifier: ni };
  if (/^[+\d][\d\s().-]*$/.test(rest) && !parsePartialDate(rest)) {
    const digits = rest.replace(/\D/g, '');
    const phone = normalisePhone(rest);
    return {
      ...parsed,
      ...(phone ? { phone } : {}),
      identifier: digits.length > 0 ? identifierKey(rest) : undefined,
    };
  }

  // Mixed queries: pick out a postcode, an email, a date or year, and keep the rest as name words.
  const postcodeInside = /\b([A-Za-z]{1,2}\d[A-Za-z\d]?) ?(\d[A-Za-z]{2})\b/.exec(rest);
  if (postcodeInside) {
    const postcode = normalisePostcode(`${postcodeInside[1]}${postcodeInside[2]}`);
    if (postcode) {
      parsed.postcode = postcode;
      rest = rest.replace(postcodeInside[0], ' ');
    }
  }
  // A phone number typed with spaces ("07911 123456") is one clue, not two.
  for (const run of rest.match(/\+?\d[\d ()-]{8,}\d/g) ?? []) {
    const phone = normalisePhone(run);
    if (phone && !parsed.phone) {
      parsed.phone = phone;
      rest = rest.replace(run, ' ');
    }
  }
  for (const token of rest.split(' ')) {
    if (token === '') continue;
    if (token.includes('@')) {
      const e = normaliseEmail(token);
      if (e) parsed.email = e;
      continue;
    }
    if (/\d/.test(token)) {
      const date = parsePartialDate(token);
      if (date && !parsed.dateOfBirth) parsed.dateOfBirth = date;
      else if (!parsed.identifier) parsed.identifier = identifierKey(token);
      continue;
    }
    const word = nameKey(token);
    if (word) parsed.words.push(word);
  }
  return parsed;
}

function dateRange(date: PartialDate): { from: string; to: string } {
  const [y, m, d] = date.date.split('-').map(Number) as [number, number, number];
  const end =
    date.precision === 'year'
      ? new Date(Date.UTC(y + 1, 0, 1))
      : date.precision === 'month'
        ? new Date(Date.UTC(y, m, 1))
        : new Date(Date.UTC(y, m - 1, d + 1));
  return { from: date.date, to: end.toISOString().slice(0, 10) };
}

interface Candidate {
  /** How well the name matches (the best reading of it). */
  name: number;
  nameReasons: string[];
  /** What other clues (phone, postcode, date of birth …) add. */
  bonus: number;
  reasons: Set<string>;
}

const CANDIDATE_ROWS = 300;

type TermMatch = { how: 'exact' | 'variant' | 'close' | 'sound' | 'prefix'; score: number };

/** How well a name key in use fits the word typed, from the term expansion. */
function termScore(e: repo.TermExpansion): TermMatch {
  if (e.prefix) return { how: 'prefix', score: 0.7 };
  if (e.distance <= 1) return { how: 'close', score: 0.85 };
  if (e.sameSound) return { how: 'sound', score: 0.8 };
  return { how: 'close', score: Math.min(0.8, Math.max(0.5, 0.85 - 0.1 * e.distance) * e.similarity + 0.2) };
}

/** Every key each typed word might stand for, as a given name and as a family name. */
async function expandWords(
  db: Executor,
  councilId: string,
  words: readonly { part: 'given' | 'family'; word: string }[],
  variants: NameVariants,
): Promise<Map<string, Map<string, TermMatch>>> {
  const expansions = await repo.expandNameWords(
    db,
    councilId,
    words.map((w) => ({ ...w, prefix: w.part === 'given' && w.word.length >= 2 && w.word.length <= 4 })),
    12,
    40,
  );
  const result = new Map<string, Map<string, TermMatch>>();
  for (const { part, word } of words) {
    const keys = new Map<string, TermMatch>();
    const add = (term: string, match: TermMatch) => {
      const current = keys.get(term);
      if (!current || current.score < match.score) keys.set(term, match);
    };
    add(word, { how: 'exact', score: 1 });
    for (const v of part === 'given' ? variants.forenames(word) : variants.surnames(word))
      add(v, { how: 'variant', score: 0.9 });
    for (const e of expansions)
      if (e.part === part && e.word === word && e.term !== word) add(e.term, termScore(e));
    result.set(`${part}:${word}`, keys);
  }
  return result;
}

function describe(how: TermMatch['how'], typed: string, key: string, part: 'given' | 'family'): string {
  const what = part === 'given' ? 'First name' : 'Family name';
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  switch (how) {
    case 'exact':
      return `${what} matches`;
    case 'variant':
      return part === 'given'
        ? `“${cap(typed)}” is a form of ${cap(key)}`
        : `${cap(key)} is a variant of “${cap(typed)}”`;
    case 'sound':
      return `${what} sounds like “${cap(typed)}”`;
    case 'prefix':
      return `${what} starts “${cap(typed)}”`;
    default:
      return `${what} is close to “${cap(typed)}”`;
  }
}

/** Finds people by the words of their name, trying both orders (family name first or last). */
async function searchNames(
  db: Executor,
  councilId: string,
  words: string[],
  variants: NameVariants,
  dob: { from: string; to: string } | undefined,
): Promise<Map<string, { score: number; reasons: string[] }>> {
  const best = new Map<string, { score: number; reasons: string[] }>();
  const add = (partyId: string, score: number, reasons: string[]) => {
    const current = best.get(partyId);
    if (!current || current.score < score) best.set(partyId, { score, reasons });
  };
  if (words.length === 0) return best;
  const dobOptions = dob ? { dobFrom: dob.from, dobTo: dob.to } : {};
  const first = words[0] as string;
  const last = words.at(-1) as string;
  const orders =
    words.length === 1
      ? [{ given: '', family: first, penalty: 1 }]
      : [
          { given: first, family: last, penalty: 1 },
          { given: last, family: first, penalty: 0.97 },
        ];
  const wanted: { part: 'given' | 'family'; word: string }[] = [];
  for (const o of orders) {
    wanted.push({ part: 'family', word: o.family });
    if (o.given.length > 1) wanted.push({ part: 'given', word: o.given });
  }
  const expanded = await expandWords(db, councilId, wanted, variants);
  const specs: repo.NameCandidateSpec[] = orders.map((o) => {
    const familyKeys = expanded.get(`family:${o.family}`) ?? new Map<string, TermMatch>();
    const givenKeys =
      o.given.length > 1 ? (expanded.get(`given:${o.given}`) ?? new Map<string, TermMatch>()) : null;
    return {
      familyKeys: [...familyKeys.keys()],
      givenKeys: givenKeys ? [...givenKeys.keys()] : null,
      preferFamily: o.family,
      preferGiven: o.given,
      ...(o.given.length > 1
        ? { soundFamily: o.family, soundGiven: [o.given, ...variants.forenames(o.given)] }
        : {}),
    };
  });
  const hits = await repo.findNameCandidates(db, councilId, specs, { limit: CANDIDATE_ROWS, ...dobOptions });
  for (const hit of hits) {
    const o = orders[hit.spec];
    if (!o) continue;
    const familyKeys = expanded.get(`family:${o.family}`);
    const f = familyKeys?.get(hit.familyKey) ?? { how: 'sound' as const, score: 0.75 };
    let g: TermMatch | undefined;
    if (o.given === '') g = undefined;
    else if (o.given.length === 1)
      g = hit.givenKey.startsWith(o.given) ? { how: 'prefix', score: 0.6 } : undefined;
    else
      g =
        expanded.get(`given:${o.given}`)?.get(hit.givenKey) ??
        (hit.bySound ? { how: 'sound', score: 0.7 } : undefined);
    if (o.given !== '' && !g) continue;
    const used = hit.use === 'previous' ? 0.9 : 1;
    const score = (g ? 0.55 * f.score + 0.45 * g.score : 0.55 * f.score) * o.penalty * used;
    const reasons = [
      ...(g ? [describe(g.how, o.given, hit.givenKey, 'given')] : []),
      describe(f.how, o.family, hit.familyKey, 'family'),
    ];
    if (o.penalty < 1) reasons.push('Names given the other way round');
    if (hit.use === 'previous') reasons.push('Matches a previous name');
    if (hit.use === 'preferred') reasons.push('Matches the name they prefer');
    add(hit.partyId, score, reasons);
  }
  return best;
}

/**
 * One search box for everything. Each clue in the query finds candidates through its own index; a
 * party's score adds up what matched, and the best come first, each with the reasons it matched.
 */
export async function searchParties(
  db: Executor,
  councilId: string,
  query: string,
  limit: number,
  variants: NameVariants,
): Promise<PartySearchResult[]> {
  const parsed = parseQuery(query);
  const candidates = new Map<string, Candidate>();
  const candidate = (partyId: string): Candidate => {
    const c = candidates.get(partyId) ?? { name: 0, nameReasons: [], bonus: 0, reasons: new Set<string>() };
    candidates.set(partyId, c);
    return c;
  };
  // Readings of the name compete (the best explanation wins); every other clue adds to the score.
  const nameHit = (partyId: string, score: number, reasons: readonly string[]) => {
    const c = candidate(partyId);
    if (score > c.name) {
      c.name = score;
      c.nameReasons = [...reasons];
    }
  };
  const boost = (partyId: string, amount: number, reason: string) => {
    const c = candidate(partyId);
    if (c.reasons.has(reason)) return;
    c.reasons.add(reason);
    c.bonus += amount;
  };

  const dob = parsed.dateOfBirth ? dateRange(parsed.dateOfBirth) : undefined;
  let dobFiltered = dob !== undefined && parsed.words.length > 0;
  const names = (async () => {
    let found = await searchNames(db, councilId, parsed.words, variants, dobFiltered ? dob : undefined);
    if (found.size === 0 && dobFiltered) {
      // The date may be wrong; fall back to the name alone.
      dobFiltered = false;
      found = await searchNames(db, councilId, parsed.words, variants, undefined);
    }
    return found;
  })();
  const none = Promise.resolve([] as string[]);
  const [nameHits, organisations, byReference, byEmail, byPhone, byIdentifier, byPostcode, byDob] =
    await Promise.all([
      names,
      parsed.words.length > 0
        ? repo.findByDisplayName(db, councilId, parsed.words.join(' '), 20)
        : Promise.resolve([]),
      parsed.reference
        ? repo.findPartyByReference(db, councilId, parsed.reference)
        : Promise.resolve(undefined),
      parsed.email ? repo.findByContactValue(db, councilId, parsed.email, 50) : none,
      parsed.phone ? repo.findByContactValue(db, councilId, parsed.phone, 50) : none,
      parsed.identifier
        ? repo.findByIdentifierKey(db, councilId, parsed.identifier, 50)
        : Promise.resolve([]),
      parsed.postcode
        ? repo.findByPostcode(
            db,
            councilId,
            postcodeKey(parsed.postcode),
            parsed.words.length === 0 ? 100 : 2000,
          )
        : none,
      dob && parsed.words.length === 0 && !parsed.postcode
        ? repo.findByDateOfBirth(db, councilId, dob.from, dob.to, 100)
        : none,
    ]);

  for (const [id, hit] of nameHits) nameHit(id, hit.score, hit.reasons);
  for (const hit of organisations) nameHit(hit.partyId, 0.9 * hit.similarity, ['Name matches']);
  if (dobFiltered && parsed.dateOfBirth) {
    const label =
      parsed.dateOfBirth.precision === 'year'
        ? `Born in ${formatPartialDate(parsed.dateOfBirth.date, 'year')}`
        : 'Date of birth matches';
    // The name search was limited to people born then, so every person it found shares the date.
    for (const id of nameHits.keys()) boost(id, 0.2, label);
  }
  if (byReference) boost(byReference.id, 1.2, 'Reference matches');
  for (const id of byEmail) boost(id, 1, 'Email address matches');
  for (const id of byPhone) boost(id, 1, 'Phone number matches');
  for (const hit of byIdentifier)
    boost(
      hit.partyId,
      1.1,
      hit.scheme === 'source'
        ? `${hit.system} key matches`
        : `${IDENTIFIER_LABELS[hit.scheme as repo.IdentifierScheme] ?? 'Identifier'} matches`,
    );
  for (const id of byPostcode) {
    // Alone, a postcode lists who lives there; with a name, it only confirms people the name found.
    if (parsed.words.length === 0) boost(id, 0.8, 'Postcode matches');
    else if (candidates.has(id)) boost(id, 0.3, 'Postcode matches');
  }
  for (const id of byDob) boost(id, 0.6, 'Date of birth matches');

  const score = (c: Candidate) => c.name + c.bonus;
  const ranked = [...candidates]
    .filter(([, c]) => score(c) > 0)
    .sort((a, b) => score(b[1]) - score(a[1]))
    .slice(0, limit * 3);
  const summaries = new Map(
    (
      await repo.summaries(
        db,
        councilId,
        ranked.map(([id]) => id),
      )
    ).map((s) => [s.id, s]),
  );
  const results: PartySearchResult[] = [];
  for (const [id, c] of ranked) {
    const party = summaries.get(id);
    if (party?.status !== 'active') continue;
    results.push({
      party,
      score: Math.round(score(c) * 1000) / 1000,
      reasons: [...c.nameReasons, ...c.reasons].filter((r, i, all) => all.indexOf(r) === i),
    });
  }
  // Ties go to exact name matches, then alphabetically, so results are stable.
  results.sort(
    (a, b) =>
      b.score - a.score ||
      a.party.displayName.localeCompare(b.party.displayName) ||
      a.party.id.localeCompare(b.party.id),
  );
  return results.slice(0, limit);
}
