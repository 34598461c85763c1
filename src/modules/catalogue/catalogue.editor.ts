/**
 * Turns the admin screens' form posts into definition changes, and definitions back into form values.
 * Pure functions: the routes call these, then hand the result to the service, which validates it.
 */
import type { FieldError } from '../../platform/http/errors.ts';
import {
  CHANNELS,
  type Channel,
  type Condition,
  type EligibilityRule,
  PRIORITIES,
  type Priority,
  QUESTION_TYPES,
  type Question,
  type QuestionType,
  type ServiceDefinition,
} from './catalogue.schemas.ts';

export type FormBody = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined): string =>
  (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
const many = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : v ? [v] : []).map((s) => s.trim()).filter(Boolean);
const lines = (text: string): string[] =>
  text
    .split(/\r?\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);

function numberOrUndefined(
  text: string,
  field: string,
  label: string,
  errors: FieldError[],
): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) {
    errors.push({ field, message: `${label} must be a number` });
    return undefined;
  }
  return n;
}

function parseJson<T>(text: string, field: string, label: string, errors: FieldError[]): T | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    errors.push({ field, message: `${label} must be valid JSON, like the example` });
    return undefined;
  }
}

/** A blank definition for "Add a service", filled in by the details form. */
export function blankDefinition(owningTeam: string): ServiceDefinition {
  return {
    code: '',
    name: '',
    summary: '',
    lgsl: 0,
    serviceArea: 'Corporate',
    functionGroup: '',
    owningTeam,
    tier: 'unitary',
    interaction: 'request',
    channels: ['web', 'phone'],
    synonyms: [],
    keywords: [],
    questions: [],
    routing: {},
    sla: { unit: 'working_days', targets: { normal: 10 } },
    knowledge: { agentScript: '', webGuidance: '', smsText: '' },
  };
}

/** Values for the details form. */
export function detailsValues(def: ServiceDefinition): Record<string, string | string[]> {
  return {
    code: def.code,
    name: def.name,
    summary: def.summary,
    lgsl: def.lgsl ? String(def.lgsl) : '',
    serviceArea: def.serviceArea,
    functionGroup: def.functionGroup,
    owningTeam: def.owningTeam,
    tier: def.tier,
    interaction: def.interaction,
    channels: def.channels,
    feeAmount: def.fee?.amountPence !== undefined ? (def.fee.amountPence / 100).toFixed(2) : '',
    feeDescription: def.fee?.description ?? '',
    synonyms: def.synonyms.join('\n'),
    keywords: def.keywords.join(', '),
    slaUnit: def.sla.unit,
    ...Object.fromEntries(PRIORITIES.map((p) => [`sla_${p}`, def.sla.targets[p]?.toString() ?? ''])),
    defaultPriority: def.sla.defaultPriority ?? '',
    byLocation: def.routing.byLocation ? 'yes' : '',
    routingRules: def.routing.rules?.length ? JSON.stringify(def.routing.rules, null, 2) : '',
    eligibility: def.eligibility?.length ? JSON.stringify(def.eligibility, null, 2) : '',
    agentScript: def.knowledge.agentScript,
    webGuidance: def.knowledge.webGuidance,
    smsText: def.knowledge.smsText,
    relatedServices: (def.relatedServices ?? []).join(', '),
    informationOnly: def.informationOnly ? 'yes' : '',
  };
}

/** Applies the details form to a definition. Shape errors found here; the service checks the rest. */
export function applyDetails(
  base: ServiceDefinition,
  body: FormBody,
  options: { allowCode: boolean },
): { definition: ServiceDefinition; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const def = structuredClone(base);
  if (options.allowCode) {
    def.code = one(body.code).toLowerCase();
    if (!/^[a-z0-9][a-z0-9-]{1,79}$/.test(def.code))
      errors.push({
        field: 'code',
        message: 'Enter a code of 2 to 80 lower-case letters, digits and hyphens, like missed-bin',
      });
  }
  def.name = one(body.name);
  if (!def.name) errors.push({ field: 'name', message: 'Enter the name of the service' });
  def.summary = one(body.summary);
  const lgsl = Number(one(body.lgsl));
  if (!Number.isInteger(lgsl) || lgsl < 1)
    errors.push({ field: 'lgsl', message: 'Enter the LGSL code as a whole number, like 524' });
  def.lgsl = Number.isInteger(lgsl) ? lgsl : 0;
  def.serviceArea = one(body.serviceArea) as ServiceDefinition['serviceArea'];
  def.functionGroup = one(body.functionGroup);
  if (!def.functionGroup) errors.push({ field: 'functionGroup', message: 'Select the function group' });
  def.owningTeam = one(body.owningTeam);
  if (!def.owningTeam) errors.push({ field: 'owningTeam', message: 'Select the team that owns the service' });
  def.tier = one(body.tier) as ServiceDefinition['tier'];
  def.interaction = one(body.interaction) as ServiceDefinition['interaction'];
  def.channels = many(body.channels).filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c));
  if (def.channels.length === 0) errors.push({ field: 'channels', message: 'Select at least one channel' });
  const feeAmount = one(body.feeAmount);
  const feeDescription = one(body.feeDescription);
  if (feeAmount || feeDescription) {
    const pounds = numberOrUndefined(feeAmount, 'feeAmount', 'The fee', errors);
    if (!feeDescription)
      errors.push({ field: 'feeDescription', message: 'Describe the fee, like £35 for up to 3 items' });
    def.fee = {
      description: feeDescription,
      ...(pounds !== undefined ? { amountPence: Math.round(pounds * 100) } : {}),
    };
  } else delete def.fee;
  def.synonyms = lines(one(body.synonyms));
  def.keywords = lines(one(body.keywords));
  const targets: Partial<Record<Priority, number>> = {};
  for (const p of PRIORITIES) {
    const n = numberOrUndefined(one(body[`sla_${p}`]), `sla_${p}`, `The ${p} target`, errors);
    if (n !== undefined) targets[p] = n;
  }
  if (targets.normal === undefined)
    errors.push({ field: 'sla_normal', message: 'Enter the target for normal priority' });
  def.sla = {
    unit: one(body.slaUnit) === 'working_hours' ? 'working_hours' : 'working_days',
    targets: { ...targets, normal: targets.normal ?? 0 },
    ...(one(body.defaultPriority) ? { defaultPriority: one(body.defaultPriority) as Priority } : {}),
  };
  const rules = parseJson<{ when: Condition; team: string; priority?: Priority }[]>(
    one(body.routingRules),
    'routingRules',
    'Routing by answer',
    errors,
  );
  def.routing = {
    ...(one(body.byLocation) === 'yes' ? { byLocation: true } : {}),
    ...(rules?.length ? { rules } : {}),
  };
  const eligibility = parseJson<EligibilityRule[]>(
    one(body.eligibility),
    'eligibility',
    'Eligibility rules',
    errors,
  );
  if (eligibility?.length) def.eligibility = eligibility;
  else delete def.eligibility;
  def.knowledge = {
    agentScript: one(body.agentScript),
    webGuidance: one(body.webGuidance),
    smsText: one(body.smsText),
  };
  if (!def.knowledge.agentScript) errors.push({ field: 'agentScript', message: 'Enter the agent script' });
  if (!def.knowledge.webGuidance) errors.push({ field: 'webGuidance', message: 'Enter the web guidance' });
  if (!def.knowledge.smsText) errors.push({ field: 'smsText', message: 'Enter the SMS text' });
  else if (def.knowledge.smsText.length > 160)
    errors.push({ field: 'smsText', message: 'The SMS text must be 160 characters or fewer' });
  const related = lines(one(body.relatedServices));
  if (related.length) def.relatedServices = related;
  else delete def.relatedServices;
  if (one(body.informationOnly) === 'yes') def.informationOnly = true;
  else delete def.informationOnly;
  return { definition: def, errors };
}

/** Values for the question form. */
export function questionValues(q: Question | undefined): Record<string, string> {
  if (!q) return { type: 'text', required: 'yes' };
  const when = q.showWhen && 'fact' in q.showWhen ? q.showWhen : undefined;
  return {
    code: q.code,
    label: q.label,
    hint: q.hint ?? '',
    errorName: q.errorName ?? '',
    type: q.type,
    required: q.required ? 'yes' : 'no',
    options: (q.options ?? []).map((o) => `${o.value} | ${o.label}`).join('\n'),
    minLength: q.validation?.minLength?.toString() ?? '',
    maxLength: q.validation?.maxLength?.toString() ?? '',
    min: q.validation?.min?.toString() ?? '',
    max: q.validation?.max?.toString() ?? '',
    pattern: q.validation?.pattern ?? '',
    patternMessage: q.validation?.patternMessage ?? '',
    dateRule: q.validation?.past ? 'past' : q.validation?.future ? 'future' : '',
    accept: (q.validation?.accept ?? []).join(', '),
    page: q.page ?? '',
    showWhenQuestion: when ? when.fact.replace(/^answers\./, '') : '',
    showWhenValue:
      when && when.value !== undefined
        ? String(Array.isArray(when.value) ? when.value.join(',') : when.value)
        : '',
    showWhenComplex: q.showWhen && !when ? JSON.stringify(q.showWhen) : '',
  };
}

/** Reads the question form. A simple "show when question X is Y" condition is built from two fields. */
export function readQuestion(body: FormBody): { question: Question; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const type = one(body.type) as QuestionType;
  if (!(QUESTION_TYPES as readonly string[]).includes(type))
    errors.push({ field: 'type', message: 'Select the type of answer' });
  const code = one(body.code);
  if (!/^[a-z][a-z0-9_]{0,49}$/.test(code))
    errors.push({
      field: 'code',
      message:
        'Enter a code of lower-case letters, digits and underscores, starting with a letter, like bin_type',
    });
  const label = one(body.label);
  if (!label) errors.push({ field: 'label', message: 'Enter the question' });
  const question: Question = { code, label, type, required: one(body.required) === 'yes' };
  const hint = one(body.hint);
  if (hint) question.hint = hint;
  const errorName = one(body.errorName);
  if (errorName) question.errorName = errorName;
  const page = one(body.page);
  if (page) question.page = page;
  if (type === 'single_choice' || type === 'multi_choice') {
    const options = one(body.options)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [value = '', ...rest] = l.split('|');
        const labelText = rest.join('|').trim() || value.trim();
        return { value: value.trim().replace(/\s+/g, '_'), label: labelText };
      });
    if (options.length === 0)
      errors.push({
        field: 'options',
        message: 'Enter at least one option, one per line, like refuse | Black bin',
      });
    if (options.some((o) => !/^[A-Za-z0-9_-]{1,60}$/.test(o.value)))
      errors.push({
        field: 'options',
        message: 'Option values may only use letters, digits, hyphens and underscores',
      });
    question.options = options;
  }
  const validation: NonNullable<Question['validation']> = {};
  const num = (name: string, label: string) => numberOrUndefined(one(body[name]), name, label, errors);
  const minLength = num('minLength', 'Minimum length');
  const maxLength = num('maxLength', 'Maximum length');
  const min = num('min', 'Minimum');
  const max = num('max', 'Maximum');
  if (minLength !== undefined) validation.minLength = Math.max(0, Math.floor(minLength));
  if (maxLength !== undefined) validation.maxLength = Math.max(1, Math.floor(maxLength));
  if (min !== undefined) validation.min = min;
  if (max !== undefined) validation.max = max;
  const pattern = one(body.pattern);
  if (pattern) {
    try {
      new RegExp(pattern, 'u');
      validation.pattern = pattern;
    } catch {
      errors.push({ field: 'pattern', message: 'The pattern is not a valid regular expression' });
    }
  }
  const patternMessage = one(body.patternMessage);
  if (patternMessage) validation.patternMessage = patternMessage;
  const dateRule = one(body.dateRule);
  if (dateRule === 'past') validation.past = true;
  if (dateRule === 'future') validation.future = true;
  const accept = lines(one(body.accept)).map((a) => a.replace(/^\./, '').toLowerCase());
  if (accept.length) validation.accept = accept;
  if (Object.keys(validation).length) question.validation = validation;
  const showWhenQuestion = one(body.showWhenQuestion);
  const showWhenComplex = one(body.showWhenComplex);
  if (showWhenQuestion) {
    const value = one(body.showWhenValue);
    if (!value)
      errors.push({ field: 'showWhenValue', message: 'Enter the answer that makes this question appear' });
    const values = value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    const coerce = (v: string): string | boolean => (v === 'yes' ? true : v === 'no' ? false : v);
    question.showWhen =
      values.length > 1
        ? { fact: `answers.${showWhenQuestion}`, op: 'in', value: values }
        : { fact: `answers.${showWhenQuestion}`, op: 'eq', value: coerce(values[0] ?? '') };
  } else if (showWhenComplex) {
    const parsed = parseJson<Condition>(showWhenComplex, 'showWhenComplex', 'The condition', errors);
    if (parsed) question.showWhen = parsed;
  }
  return { question, errors };
}

/** Moves, replaces, adds or removes one question. */
export function withQuestion(
  def: ServiceDefinition,
  originalCode: string | null,
  question: Question,
): ServiceDefinition {
  const out = structuredClone(def);
  const index = originalCode === null ? -1 : out.questions.findIndex((q) => q.code === originalCode);
  if (index >= 0) out.questions[index] = question;
  else out.questions.push(question);
  return out;
}

export function moveQuestion(
  def: ServiceDefinition,
  code: string,
  direction: 'up' | 'down' | 'remove',
): ServiceDefinition {
  const out = structuredClone(def);
  const i = out.questions.findIndex((q) => q.code === code);
  if (i < 0) return out;
  if (direction === 'remove') out.questions.splice(i, 1);
  else {
    const j = direction === 'up' ? i - 1 : i + 1;
    if (j < 0 || j >= out.questions.length) return out;
    const [q] = out.questions.splice(i, 1);
    if (q) out.questions.splice(j, 0, q);
  }
  return out;
}
