/**
 * The form engine: one set of pure functions that every channel uses to ask a service's questions,
 * validate the answers on the server with GOV.UK-style messages, page them, summarise them for a
 * check-answers page, and describe them to Open311 clients.
 */
import type { FieldError } from '../../platform/http/errors.ts';
import { normalisePhone, PHONE_DESCRIPTION, PHONE_FORMAT_MESSAGE } from '../../platform/validation/phone.ts';
import type { Condition, Question } from './catalogue.schemas.ts';
import { evaluate } from './rules.ts';

export type AddressAnswer = { uprn?: string; text: string };
export type LocationAnswer = { lat?: number; long?: number; description?: string };
export type AnswerValue = string | number | boolean | string[] | AddressAnswer | LocationAnswer;
export type Answers = Record<string, AnswerValue>;

/** What arrives from a form post or a JSON body: strings (or lists of strings) keyed by input name. */
export type RawAnswers = Record<string, unknown>;

export interface ValidationResult {
  answers: Answers;
  errors: FieldError[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const QUESTION_WORD =
  /^(what|which|when|where|why|how|who|whose|is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may)\b/i;

/** The question's label as errors name it: "Enter your full name", "Select the type of waste". */
export function errorName(question: Pick<Question, 'label' | 'errorName'>): string | null {
  if (question.errorName) return question.errorName;
  const label = question.label.trim();
  if (label.endsWith('?') || QUESTION_WORD.test(label)) return null;
  return /^[A-Z][a-z]/.test(label) ? label[0]?.toLowerCase() + label.slice(1) : label;
}

const capitalise = (s: string) => (s ? s[0]?.toUpperCase() + s.slice(1) : s);

function messages(question: Question) {
  const name = errorName(question);
  const quoted = `‘${question.label.trim()}’`;
  const subject = name ? capitalise(name) : `The answer to ${quoted}`;
  return {
    enter: name ? `Enter ${name}` : `Enter an answer to ${quoted}`,
    select: name ? `Select ${name}` : `Select an answer to ${quoted}`,
    yesNo: question.errorName ? `Select yes if ${question.errorName}` : `Select yes or no for ${quoted}`,
    subject,
  };
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.length > 0) return str(value[0]);
  return undefined;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => str(v) ?? '').filter((v) => v !== '');
  const s = str(value);
  return s === undefined || s === '' ? [] : [s];
}

function isoToday(today: Date): string {
  return today.toISOString().slice(0, 10);
}

function fieldId(question: Question, part?: string): string {
  return part ? `${question.code}-${part}` : question.code;
}

/** Whether a question is asked, given the answers so far. Unknown counts as not shown. */
export function isShown(question: Question, answers: Answers): boolean {
  return !question.showWhen || evaluate(question.showWhen, { answers }) === true;
}

interface ValidateOptions {
  today?: Date;
}

/** Reads and checks one question's answer. Returns undefined for "not answered". */
export function validateQuestion(
  question: Question,
  raw: RawAnswers,
  errors: FieldError[],
  options: ValidateOptions = {},
): AnswerValue | undefined {
  const m = messages(question);
  const v = question.validation ?? {};
  const push = (message: string, part?: string) => errors.push({ field: fieldId(question, part), message });
  const given = raw[question.code];

  switch (question.type) {
    case 'text':
    case 'textarea':
    case 'asset':
    case 'email':
    case 'phone': {
      const text = (str(given) ?? '').trim();
      if (text === '') {
        if (question.required) push(question.type === 'email' ? 'Enter an email address' : m.enter);
        return undefined;
      }
      if (v.maxLength !== undefined && text.length > v.maxLength)
        push(`${m.subject} must be ${v.maxLength} characters or fewer`);
      else if (v.minLength !== undefined && text.length < v.minLength)
        push(`${m.subject} must be ${v.minLength} characters or more`);
      else if (question.type === 'email' && !EMAIL.test(text))
        push('Enter an email address in the correct format, like name@example.com');
      // The party register's own rule, so a number accepted here is never refused when the request is sent.
      else if (question.type === 'phone' && !normalisePhone(text)) push(PHONE_FORMAT_MESSAGE);
      else if (v.pattern && !safeRegExp(v.pattern).test(text))
        push(v.patternMessage ?? `Enter ${name(m)} in the correct format`);
      return text;
    }
    case 'number': {
      const text = (str(given) ?? '').trim().replaceAll(',', '');
      if (text === '') {
        if (question.required) push(m.enter);
        return undefined;
      }
      const n = Number(text);
      if (!Number.isFinite(n)) {
        push(`${m.subject} must be a number`);
        return undefined;
      }
      if (v.integer && !Number.isInteger(n)) push(`${m.subject} must be a whole number`);
      else if (v.min !== undefined && n < v.min) push(`${m.subject} must be ${v.min} or more`);
      else if (v.max !== undefined && n > v.max) push(`${m.subject} must be ${v.max} or less`);
      return n;
    }
    case 'date': {
      let day = (str(raw[`${question.code}-day`]) ?? '').trim();
      let month = (str(raw[`${question.code}-month`]) ?? '').trim();
      let year = (str(raw[`${question.code}-year`]) ?? '').trim();
      const iso = (str(given) ?? '').trim();
      const isoMatch = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
      if (isoMatch && !day && !month && !year) [, year = '', month = '', day = ''] = isoMatch;
      if (!day && !month && !year) {
        if (iso !== '') push(`${m.subject} must be a real date`, 'day');
        else if (question.required) push(m.enter, 'day');
        return undefined;
      }
      const missing = [
        ['day', day],
        ['month', month],
        ['year', year],
      ].filter(([, value]) => value === '');
      if (missing.length) {
        const parts = missing.map(([part]) => part);
        push(`${m.subject} must include a ${parts.join(' and ')}`, parts[0]);
        return undefined;
      }
      const d = Number(day);
      const mo = Number(month);
      const y = Number(year);
      const date = new Date(Date.UTC(y, mo - 1, d));
      if (
        !/^\d{1,2}$/.test(day) ||
        !/^\d{1,2}$/.test(month) ||
        !/^\d{4}$/.test(year) ||
        date.getUTCFullYear() !== y ||
        date.getUTCMonth() !== mo - 1 ||
        date.getUTCDate() !== d
      ) {
        push(`${m.subject} must be a real date`, 'day');
        return undefined;
      }
      const value = date.toISOString().slice(0, 10);
      const today = isoToday(options.today ?? new Date());
      if (v.past && value > today) push(`${m.subject} must be today or in the past`, 'day');
      else if (v.future && value < today) push(`${m.subject} must be today or in the future`, 'day');
      return value;
    }
    case 'yes_no': {
      const text = (str(given) ?? '').trim().toLowerCase();
      if (text === '') {
        if (question.required) push(m.yesNo);
        return undefined;
      }
      if (['yes', 'true', 'y'].includes(text)) return true;
      if (['no', 'false', 'n'].includes(text)) return false;
      push(m.yesNo);
      return undefined;
    }
    case 'single_choice': {
      const text = (str(given) ?? '').trim();
      if (text === '') {
        if (question.required) push(m.select);
        return undefined;
      }
      if (!(question.options ?? []).some((o) => o.value === text)) {
        push(`${m.select} from the list`);
        return undefined;
      }
      return text;
    }
    case 'multi_choice': {
      const chosen = [...new Set(list(given))];
      if (chosen.length === 0) {
        if (question.required) push(m.select);
        return undefined;
      }
      const allowed = new Set((question.options ?? []).map((o) => o.value));
      if (chosen.some((c) => !allowed.has(c))) {
        push(`${m.select} from the list`);
        return undefined;
      }
      if (v.minSelected !== undefined && chosen.length < v.minSelected)
        push(`Select ${v.minSelected} or more options`);
      else if (v.maxSelected !== undefined && chosen.length > v.maxSelected)
        push(`Select no more than ${v.maxSelected} options`);
      return chosen;
    }
    case 'address': {
      const text = (str(given) ?? '').trim();
      const uprn = (str(raw[`${question.code}-uprn`]) ?? '').trim();
      if (text === '' && uprn === '') {
        if (question.required) push(m.enter);
        return undefined;
      }
      if (uprn !== '' && !/^\d{1,12}$/.test(uprn)) {
        push('The UPRN must be a number of up to 12 digits', 'uprn');
        return undefined;
      }
      if (text.length > 500) push(`${m.subject} must be 500 characters or fewer`);
      return uprn ? { uprn, text } : { text };
    }
    case 'location': {
      const latText = (str(raw[`${question.code}-lat`]) ?? '').trim();
      const longText = (str(raw[`${question.code}-long`]) ?? '').trim();
      const description = (str(raw[`${question.code}-description`] ?? given) ?? '').trim();
      if (latText === '' && longText === '' && description === '') {
        if (question.required) push(m.enter, 'description');
        return undefined;
      }
      const answer: LocationAnswer = {};
      if (latText !== '' || longText !== '') {
        const lat = Number(latText);
        const long = Number(longText);
        if (latText === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) {
          push('Latitude must be a number between -90 and 90', 'lat');
          return undefined;
        }
        if (longText === '' || !Number.isFinite(long) || long < -180 || long > 180) {
          push('Longitude must be a number between -180 and 180', 'long');
          return undefined;
        }
        answer.lat = lat;
        answer.long = long;
      }
      if (description) {
        if (description.length > 500)
          push('The description of the location must be 500 characters or fewer', 'description');
        answer.description = description;
      }
      return answer;
    }
    case 'file': {
      const filename = (str(given) ?? '').trim();
      if (filename === '') {
        if (question.required) push(m.select);
        return undefined;
      }
      const ext = filename.includes('.') ? filename.split('.').pop()?.toLowerCase() : '';
      if (v.accept?.length && (!ext || !v.accept.includes(ext))) {
        push(`${m.subject} must be a ${v.accept.map((a) => a.toUpperCase()).join(', ')}`);
        return undefined;
      }
      return filename;
    }
    default:
      return undefined;
  }
}

function name(m: ReturnType<typeof messages>): string {
  return m.subject === m.subject.toLowerCase() ? m.subject : m.subject[0]?.toLowerCase() + m.subject.slice(1);
}

const regexCache = new Map<string, RegExp>();
/** Patterns come from definitions checked at save time; anchor them so a partial match never passes. */
function safeRegExp(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    regexCache.set(pattern, re);
  }
  return re;
}

/**
 * Validates every question that is shown, in order. A question's show-when condition sees the answers
 * to the questions before it; answers to hidden questions are dropped.
 */
export function validateAnswers(
  questions: readonly Question[],
  raw: RawAnswers,
  options: ValidateOptions = {},
): ValidationResult {
  const answers: Answers = {};
  const errors: FieldError[] = [];
  for (const question of questions) {
    if (!isShown(question, answers)) continue;
    const value = validateQuestion(question, raw, errors, options);
    if (value !== undefined) answers[question.code] = value;
  }
  return { answers, errors };
}

export interface FormPage {
  /** 1-based position among all pages, used in URLs. */
  readonly number: number;
  readonly title: string;
  readonly questions: Question[];
}

/** One question per page, or the questions that share a `page` name together, in order of first appearance. */
export function formPages(questions: readonly Question[]): FormPage[] {
  const pages: { title: string; questions: Question[] }[] = [];
  const byName = new Map<string, { title: string; questions: Question[] }>();
  for (const question of questions) {
    if (question.page) {
      const existing = byName.get(question.page);
      if (existing) {
        existing.questions.push(question);
        continue;
      }
      const page = { title: question.page, questions: [question] };
      byName.set(question.page, page);
      pages.push(page);
    } else {
      pages.push({ title: question.label, questions: [question] });
    }
  }
  return pages.map((p, i) => ({ number: i + 1, ...p }));
}

/** Pages with at least one question shown for these answers. */
export function visiblePages(questions: readonly Question[], answers: Answers): FormPage[] {
  return formPages(questions).filter((page) => page.questions.some((q) => isShown(q, answers)));
}

/** Validates the questions on one page, given what was answered before. */
export function validatePage(
  page: FormPage,
  raw: RawAnswers,
  previous: Answers,
  options: ValidateOptions = {},
): ValidationResult {
  const answers: Answers = { ...previous };
  const errors: FieldError[] = [];
  for (const question of page.questions) {
    delete answers[question.code];
    if (!isShown(question, answers)) continue;
    const value = validateQuestion(question, raw, errors, options);
    if (value !== undefined) answers[question.code] = value;
  }
  return { answers, errors };
}

/** An answer as a person reads it on a check-answers page or in a case record. */
export function displayAnswer(question: Question, value: AnswerValue | undefined): string {
  if (value === undefined || value === '') return 'Not answered';
  switch (question.type) {
    case 'yes_no':
      return value === true ? 'Yes' : 'No';
    case 'single_choice':
      return question.options?.find((o) => o.value === value)?.label ?? String(value);
    case 'multi_choice':
      return (value as string[])
        .map((v) => question.options?.find((o) => o.value === v)?.label ?? v)
        .join(', ');
    case 'date': {
      const date = new Date(`${value as string}T12:00:00Z`);
      return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }).format(
        date,
      );
    }
    case 'address': {
      const a = value as AddressAnswer;
      return a.uprn ? `${a.text}${a.text ? ' ' : ''}(UPRN ${a.uprn})` : a.text;
    }
    case 'location': {
      const l = value as LocationAnswer;
      const point =
        l.lat !== undefined && l.long !== undefined ? `${l.lat.toFixed(5)}, ${l.long.toFixed(5)}` : '';
      return [l.description, point].filter(Boolean).join(' – ');
    }
    default:
      return String(value);
  }
}

export interface CheckAnswersRow {
  code: string;
  label: string;
  value: string;
  page: number;
}

/** The rows of a check-answers page: every shown question with its answer and the page to change it on. */
export function checkAnswersRows(questions: readonly Question[], answers: Answers): CheckAnswersRow[] {
  const pages = formPages(questions);
  const pageOf = new Map<string, number>();
  for (const p of pages) for (const q of p.questions) pageOf.set(q.code, p.number);
  return questions
    .filter((q) => isShown(q, answers))
    .map((q) => ({
      code: q.code,
      label: q.label,
      value: displayAnswer(q, answers[q.code]),
      page: pageOf.get(q.code) ?? 1,
    }));
}

/** Turns stored answers back into raw form inputs, to fill a page in again. */
export function toRawAnswers(
  questions: readonly Question[],
  answers: Answers,
): Record<string, string | string[]> {
  const raw: Record<string, string | string[]> = {};
  for (const q of questions) {
    const value = answers[q.code];
    if (value === undefined) continue;
    if (q.type === 'date' && typeof value === 'string') {
      const [y, m, d] = value.split('-');
      raw[`${q.code}-day`] = String(Number(d));
      raw[`${q.code}-month`] = String(Number(m));
      raw[`${q.code}-year`] = y ?? '';
    } else if (q.type === 'yes_no') raw[q.code] = value ? 'yes' : 'no';
    else if (q.type === 'multi_choice') raw[q.code] = value as string[];
    else if (q.type === 'address') {
      const a = value as AddressAnswer;
      raw[q.code] = a.text;
      if (a.uprn) raw[`${q.code}-uprn`] = a.uprn;
    } else if (q.type === 'location') {
      const l = value as LocationAnswer;
      if (l.lat !== undefined) raw[`${q.code}-lat`] = String(l.lat);
      if (l.long !== undefined) raw[`${q.code}-long`] = String(l.long);
      if (l.description) raw[`${q.code}-description`] = l.description;
    } else raw[q.code] = String(value);
  }
  return raw;
}

export type Open311Datatype =
  | 'string'
  | 'number'
  | 'datetime'
  | 'text'
  | 'singlevaluelist'
  | 'multivaluelist';

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: Open311Datatype;
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

const OPEN311_TYPES: Record<Question['type'], Open311Datatype> = {
  text: 'string',
  textarea: 'text',
  number: 'number',
  date: 'datetime',
  yes_no: 'singlevaluelist',
  single_choice: 'singlevaluelist',
  multi_choice: 'multivaluelist',
  email: 'string',
  phone: 'string',
  address: 'string',
  location: 'string',
  asset: 'string',
  file: 'string',
};

const OPEN311_DESCRIPTIONS: Partial<Record<Question['type'], string>> = {
  date: 'A date, as YYYY-MM-DD (a full ISO 8601 date and time is read as its date)',
  email: 'An email address, like name@example.com',
  phone: PHONE_DESCRIPTION,
  location:
    'A description of the place; the point itself goes in lat and long. Taken from address_string, or from lat and long, when not sent',
  asset: 'The identifier of the council asset (e.g. the number on a street light)',
  file: 'The URL of a photo or document, like https://example.org/photo.jpg',
  number: 'A number',
};

/** A condition in words for an Open311 client ("witnessed is yes"), or undefined if it has no short form. */
function conditionInWords(condition: Condition): string | undefined {
  if (!('fact' in condition) || !condition.fact.startsWith('answers.')) return undefined;
  const code = condition.fact.slice('answers.'.length);
  const word = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : String(v));
  const list = (v: unknown) => (Array.isArray(v) ? v.map(word).join(' or ') : word(v));
  switch (condition.op) {
    case 'eq':
    case 'in':
      return `${code} is ${list(condition.value)}`;
    case 'ne':
    case 'notIn':
      return `${code} is not ${list(condition.value)}`;
    case 'includes':
      return `${code} includes ${word(condition.value)}`;
    case 'exists':
      return `${code} is given`;
    default:
      return undefined;
  }
}

/** What the server will check of an answer, in words, so a client can send one that passes. */
function constraintsInWords(q: Question): string[] {
  const v = q.validation ?? {};
  const words: string[] = [];
  if (v.patternMessage) words.push(v.patternMessage);
  if (v.minLength !== undefined && v.minLength > 1) words.push(`At least ${v.minLength} characters`);
  if (v.maxLength !== undefined) words.push(`At most ${v.maxLength} characters`);
  if (v.integer) words.push('A whole number');
  if (v.min !== undefined) words.push(`${v.min} or more`);
  if (v.max !== undefined) words.push(`${v.max} or less`);
  if (v.past) words.push('Today or earlier');
  if (v.future) words.push('Today or later');
  if (v.accept?.length) words.push(`A link to a ${v.accept.join(', ').toUpperCase()} file`);
  if (v.minSelected !== undefined && v.minSelected > 1) words.push(`Choose at least ${v.minSelected}`);
  if (v.maxSelected !== undefined) words.push(`Choose at most ${v.maxSelected}`);
  return words;
}

/**
 * Open311 GeoReport v2 attribute definitions for a service's questions. Open311 has no conditional
 * questions, so a question the form asks only in some cases is `required` when the form would require
 * it in any case, with the condition in `datatype_description`: a client that fills every required
 * attribute always gets its request accepted (the server ignores an answer whose condition is not met).
 * `datatype_description` also says what the server checks (format, length, range). A location question
 * is never required: the request's own location (lat/long or address_string, itself required) answers it.
 */
export function toOpen311Attributes(questions: readonly Question[]): Open311Attribute[] {
  return questions.map((q, i) => {
    const condition = q.showWhen ? conditionInWords(q.showWhen) : undefined;
    const when = q.showWhen
      ? `Needed only when ${condition ?? 'earlier answers call for it'}; otherwise it is ignored`
      : undefined;
    const attribute: Open311Attribute = {
      variable: true,
      code: q.code,
      datatype: OPEN311_TYPES[q.type],
      // A location question is answered from the request's own lat/long or address_string.
      required: q.required && q.type !== 'location',
      datatype_description: [
        q.type === 'address'
          ? `An address; send its UPRN in attribute[${q.code}-uprn] where known (address_id answers it when not sent)`
          : OPEN311_DESCRIPTIONS[q.type],
        ...constraintsInWords(q),
        q.hint,
        when,
      ]
        .filter(Boolean)
        .join('. '),
      order: i + 1,
      description: q.label,
    };
    if (q.type === 'yes_no')
      attribute.values = [
        { key: 'yes', name: 'Yes' },
        { key: 'no', name: 'No' },
      ];
    else if (q.type === 'single_choice' || q.type === 'multi_choice')
      attribute.values = (q.options ?? []).map((o) => ({ key: o.value, name: o.label }));
    return attribute;
  });
}
