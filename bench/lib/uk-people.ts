/**
 * Synthetic UK person records with duplicates corrupted the way council data is: typos,
 * nicknames, missing or day/month-swapped dates of birth, people who moved, married names,
 * given/family swaps, missing contact details. Rows are shuffled and ids anonymised.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../src/modules/identity/fellegi-sunter.ts';

type Weighted = { values: string[]; cumulative: Float64Array };

const dataDir = path.join(import.meta.dirname, '..', 'data', 'uk-people');

function readCsv(file: string): string[][] {
  return readFileSync(path.join(dataDir, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
}

function weighted(rows: [string, number][]): Weighted {
  const cumulative = new Float64Array(rows.length);
  let total = 0;
  rows.forEach(([, w], k) => {
    total += w;
    cumulative[k] = total;
  });
  for (let k = 0; k < rows.length; k++) cumulative[k] = (cumulative[k] as number) / total;
  return { values: rows.map(([v]) => v), cumulative };
}

function pick(w: Weighted, random: () => number): string {
  const x = random();
  let lo = 0;
  let hi = w.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((w.cumulative[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return w.values[lo] as string;
}

const NICKNAMES: Record<string, string[]> = {
  william: ['bill', 'will', 'billy'],
  robert: ['bob', 'rob', 'bobby'],
  elizabeth: ['liz', 'beth', 'lizzie'],
  margaret: ['maggie', 'peggy', 'meg'],
  richard: ['rich', 'dick', 'richie'],
  james: ['jim', 'jimmy', 'jamie'],
  thomas: ['tom', 'tommy'],
  katherine: ['kate', 'kathy', 'katie'],
  catherine: ['cathy', 'kate'],
  michael: ['mike', 'mick'],
  christopher: ['chris'],
  jennifer: ['jen', 'jenny'],
  alexander: ['alex', 'sandy'],
  daniel: ['dan', 'danny'],
  samuel: ['sam'],
  joseph: ['joe', 'joey'],
  edward: ['ed', 'ted', 'eddie'],
  rebecca: ['becky', 'becca'],
  jessica: ['jess'],
  victoria: ['vicky', 'tori'],
  anthony: ['tony'],
  matthew: ['matt'],
  benjamin: ['ben'],
  charlotte: ['charlie', 'lottie'],
  oliver: ['ollie'],
  harry: ['harold'],
  samantha: ['sam'],
  nicholas: ['nick'],
  stephen: ['steve'],
  susan: ['sue', 'susie'],
  deborah: ['debbie', 'deb'],
  patricia: ['pat', 'tricia'],
  david: ['dave'],
  john: ['jack', 'johnny'],
  jonathan: ['jon'],
  andrew: ['andy', 'drew'],
  amelia: ['millie'],
  isabella: ['bella', 'izzy'],
  abigail: ['abbie', 'abi'],
  eleanor: ['ellie', 'nell'],
};

const STREET_TYPES = [
  'road',
  'street',
  'lane',
  'avenue',
  'close',
  'drive',
  'way',
  'crescent',
  'grove',
  'place',
];
const DOMAINS = ['gmail.com', 'hotmail.co.uk', 'yahoo.co.uk', 'outlook.com', 'btinternet.com', 'icloud.com'];
const KEYBOARD = 'abcdefghijklmnopqrstuvwxyz';

type Person = {
  given: string;
  family: string;
  dob: [number, number, number];
  postcode: string;
  address: string;
  email: string;
  phone: string;
};

export type SyntheticPeople = { header: string[]; rows: string[][]; truth: number[] };

export function generateUkPeople(rowCount: number, seed = 7): SyntheticPeople {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const chance = (p: number): boolean => random() < p;
  const choose = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const forenames = {
    male: weighted(
      readCsv('forenames.csv')
        .filter((r) => r[1] === 'male')
        .map((r) => [r[0] as string, Number(r[2])]),
    ),
    female: weighted(
      readCsv('forenames.csv')
        .filter((r) => r[1] === 'female')
        .map((r) => [r[0] as string, Number(r[2])]),
    ),
  };
  const surnames = weighted(readCsv('surnames.csv').map((r) => [r[0] as string, Number(r[1])]));
  const surnameList = surnames.values;
  // Real postcode sectors; units filled in so each postcode holds ~30 people as in the UK
  // (the 8,048 sample postcodes alone would put 120 people in each at 1M rows).
  const sectors = readCsv('postcodes.csv').map((r) => (r[0] as string).slice(0, -2));
  const unitLetters = [...'ABDEFGHJLNPQRSTUWXYZ'];
  const postcodes = Array.from(
    { length: Math.max(2000, Math.ceil(rowCount / 30)) },
    () => `${choose(sectors)}${choose(unitLetters)}${choose(unitLetters)}`,
  );
  const streets = Array.from(
    { length: Math.max(3000, Math.ceil(rowCount / 60)) },
    () => `${choose(surnameList)} ${choose(STREET_TYPES)}`,
  );

  const typo = (s: string): string => {
    if (s.length < 2) return s;
    const i = int(s.length);
    switch (int(4)) {
      case 0:
        return s.slice(0, i) + s.slice(i + 1); // deletion
      case 1:
        return s.slice(0, i) + choose([...KEYBOARD]) + s.slice(i); // insertion
      case 2:
        return s.slice(0, i) + choose([...KEYBOARD]) + s.slice(i + 1); // substitution
      default: {
        const j = Math.min(s.length - 1, i + 1);
        return s.slice(0, i) + (s[j] as string) + (s[i] as string) + s.slice(j + 1); // transposition
      }
    }
  };
  const rareSurname = (): string => {
    const syllables = [
      'ash',
      'bur',
      'cal',
      'dre',
      'fen',
      'gor',
      'hal',
      'ken',
      'lith',
      'mor',
      'nor',
      'pen',
      'quin',
      'rav',
      'stow',
      'tre',
      'wyn',
    ];
    return choose(syllables) + choose(syllables) + choose(['', 'e', 'son', 'ley', 'ton']);
  };
  const newAddress = (): { postcode: string; address: string } => ({
    postcode: choose(postcodes),
    address: `${1 + int(180)} ${choose(streets)}`,
  });
  // An address belongs to one person: a second Richard Ross gets richard.ross2@.
  const usedEmails = new Set<string>();
  const uniqueEmail = (local: string, domain: string): string => {
    let email = `${local}@${domain}`;
    for (let k = 2; usedEmails.has(email); k++) email = `${local}${k}@${domain}`;
    usedEmails.add(email);
    return email;
  };
  const makePerson = (): Person => {
    const sex = chance(0.5) ? 'male' : 'female';
    const given = pick(forenames[sex], random);
    const family = chance(0.12) ? rareSurname() : pick(surnames, random);
    const { postcode, address } = newAddress();
    const year = 1930 + int(80);
    return {
      given,
      family,
      dob: [year, 1 + int(12), 1 + int(28)],
      postcode,
      address,
      email: chance(0.6)
        ? uniqueEmail(`${given}.${family}${chance(0.5) ? int(100) : ''}`, choose(DOMAINS))
        : '',
      phone: chance(0.5) ? `07${String(100000000 + int(899999999)).slice(0, 9)}` : '',
    };
  };
  const formatDob = (d: [number, number, number] | null, style: number): string => {
    if (!d) return '';
    const [y, m, day] = d;
    const p2 = (n: number): string => String(n).padStart(2, '0');
    return style === 0 ? `${y}-${p2(m)}-${p2(day)}` : `${p2(day)}/${p2(m)}/${y}`;
  };

  const header = ['record_id', 'first_name', 'surname', 'dob', 'postcode', 'address_1', 'email', 'phone'];
  const rows: string[][] = [];
  const truth: number[] = [];
  let personId = 0;
  while (rows.length < rowCount) {
    const person = makePerson();
    const id = personId++;
    // About 40% of people appear more than once, a few many times (frequent service users).
    const copies = chance(0.6) ? 1 : chance(0.6) ? 2 : chance(0.6) ? 3 : 4 + int(3);
    for (let c = 0; c < copies && rows.length < rowCount; c++) {
      let { given, family, postcode, address, email, phone } = person;
      let dob: [number, number, number] | null = [...person.dob];
      if (c > 0) {
        const nick = NICKNAMES[given];
        if (nick && chance(0.3)) given = choose(nick);
        else if (chance(0.2)) given = typo(given);
        if (chance(0.15)) family = typo(family);
        if (chance(0.05)) family = pick(surnames, random); // married name
        if (chance(0.03)) [given, family] = [family, given];
        if (chance(0.1)) dob = null;
        else if (chance(0.08) && dob[2] <= 12) dob = [dob[0], dob[2], dob[1]];
        else if (chance(0.06)) dob = [dob[0] + (chance(0.5) ? 1 : -1), dob[1], dob[2]];
        else if (chance(0.05))
          dob = [dob[0], dob[1], Math.max(1, Math.min(28, dob[2] + (chance(0.5) ? 1 : -1)))];
        if (chance(0.2))
          ({ postcode, address } = newAddress()); // moved
        else if (chance(0.05)) postcode = postcode.replace(/.$/, choose([...'ABDEFGHJLNPQRSTUWXYZ']));
        if (chance(0.1)) address = typo(address);
        if (chance(0.4)) email = '';
        if (chance(0.4)) phone = '';
        if (chance(0.05)) given = given.charAt(0);
      }
      rows.push([
        '',
        chance(0.5) ? given : given.charAt(0).toUpperCase() + given.slice(1),
        family.toUpperCase().charAt(0) + family.slice(1),
        formatDob(dob, int(2)),
        chance(0.3) ? postcode.replace(' ', '') : postcode,
        address,
        email,
        phone,
      ]);
      truth.push(id);
    }
  }
  // Shuffle and anonymise ids so nothing about the order or id gives the answer away.
  const order = Array.from(rows, (_, k) => k);
  for (let k = order.length - 1; k > 0; k--) {
    const j = int(k + 1);
    [order[k], order[j]] = [order[j] as number, order[k] as number];
  }
  const shuffledRows = order.map((k, position) => {
    const row = rows[k] as string[];
    row[0] = `p${(position * 7919 + 13) % 1_000_003}`;
    return row;
  });
  return { header, rows: shuffledRows, truth: order.map((k) => truth[k] as number) };
}
