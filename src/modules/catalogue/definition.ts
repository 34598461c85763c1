import { createHash } from 'node:crypto';
import { Compile } from 'typebox/compile';
import type { FieldError } from '../../platform/http/errors.ts';
import {
  type Condition,
  PRIORITIES,
  type ServiceDefinition,
  ServiceDefinitionSource,
  ServiceDefinitionStored,
} from './catalogue.schemas.ts';
import { functionGroupLabels, lgslServices } from './lgsl.ts';
import { factsUsed } from './rules.ts';

const sourceValidator = Compile(ServiceDefinitionSource);
const storedValidator = Compile(ServiceDefinitionStored);

export interface TeamDirectory {
  byName: Map<string, string>;
  byId: Map<string, string>;
}

export function teamDirectory(teams: readonly { id: string; name: string }[]): TeamDirectory {
  return {
    byName: new Map(teams.map((t) => [t.name.toLowerCase(), t.id])),
    byId: new Map(teams.map((t) => [t.id, t.name])),
  };
}

function schemaErrors(validator: typeof sourceValidator, value: unknown): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of validator.Errors(value)) {
    // Union branches report every alternative; one message per field is what a person needs.
    const field = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'definition';
    if (seen.has(field) || e.keyword === 'boolean') continue;
    seen.add(field);
    const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[] };
    let message = e.message;
    if (e.keyword === 'required' && params.requiredProperties)
      message = `is missing ${params.requiredProperties.join(', ')}`;
    if (e.keyword === 'additionalProperties' && params.additionalProperties)
      message = `has unrecognised ${params.additionalProperties.join(', ')}`;
    errors.push({ field, message: `${field} ${message}` });
    if (errors.length >= 20) break;
  }
  return errors.length ? errors : [{ field: 'definition', message: 'The definition is not valid' }];
}

export interface CheckContext {
  teams: TeamDirectory;
  /** Service codes that exist or arrive in the same import, for related services. */
  knownCodes?: ReadonlySet<string>;
}

/**
 * Checks a definition beyond its shape: real LGSL code and function, questions that hang together,
 * conditions that only read earlier answers, teams that exist, SLA targets in a sensible order.
 * `form` says whether teams are given by name (files) or by id (stored and edited definitions).
 * Returns the definition with teams as ids.
 */
export function checkDefinition(
  input: unknown,
  context: CheckContext,
  form: 'source' | 'stored',
): { definition?: ServiceDefinition; errors: FieldError[] } {
  const validator = form === 'source' ? sourceValidator : storedValidator;
  if (!validator.Check(input)) return { errors: schemaErrors(validator, input) };
  const def = structuredClone(input) as ServiceDefinition;
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });

  const lgsl = lgslServices().get(def.lgsl);
  if (!lgsl) err('lgsl', `LGSL code ${def.lgsl} is not in the Local Government Service List`);
  if (!functionGroupLabels().has(def.functionGroup))
    err('functionGroup', `“${def.functionGroup}” is not an LGSL function`);

  const team = (value: string, field: string): string => {
    if (form === 'source') {
      const id = context.teams.byName.get(value.toLowerCase());
      if (!id) err(field, `There is no team called “${value}”`);
      return id ?? value;
    }
    if (!context.teams.byId.has(value)) err(field, 'Choose a team that exists');
    return value;
  };
  def.owningTeam = team(def.owningTeam, 'owningTeam');

  const codes = new Set<string>();
  def.questions.forEach((q, i) => {
    const at = `questions.${i}`;
    if (codes.has(q.code)) err(`${at}.code`, `Question code “${q.code}” is used twice`);
    const choice = q.type === 'single_choice' || q.type === 'multi_choice';
    if (choice && !q.options?.length) err(`${at}.options`, `Add the options for “${q.label}”`);
    if (!choice && q.options?.length)
      err(`${at}.options`, `Only choice questions have options (“${q.label}”)`);
    if (q.options) {
      const values = new Set<string>();
      for (const o of q.options) {
        if (values.has(o.value))
          err(`${at}.options`, `Option value “${o.value}” is used twice in “${q.label}”`);
        values.add(o.value);
      }
    }
    const v = q.validation;
    if (v?.pattern) {
      try {
        new RegExp(v.pattern, 'u');
      } catch {
        err(`${at}.validation.pattern`, `The pattern for “${q.label}” is not a valid regular expression`);
      }
    }
    if (v?.min !== undefined && v.max !== undefined && v.min > v.max)
      err(`${at}.validation`, `The minimum for “${q.label}” is more than its maximum`);
    if (v?.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength)
      err(`${at}.validation`, `The minimum length for “${q.label}” is more than its maximum`);
    if (q.showWhen) {
      for (const fact of factsUsed(q.showWhen)) {
        if (!fact.startsWith('answers.')) {
          err(`${at}.showWhen`, `“${q.label}” can only be shown depending on earlier answers, not ${fact}`);
        } else if (!codes.has(fact.slice(8))) {
          err(`${at}.showWhen`, `“${q.label}” depends on ${fact.slice(8)}, which is not an earlier question`);
        }
      }
    }
    codes.add(q.code);
  });

  const checkAnswerFacts = (condition: Condition, field: string) => {
    for (const fact of factsUsed(condition)) {
      if (fact.startsWith('answers.') && !codes.has(fact.slice(8)))
        err(field, `The rule reads ${fact}, but there is no question with code ${fact.slice(8)}`);
    }
  };
  def.eligibility?.forEach((rule, i) => {
    checkAnswerFacts(rule.when, `eligibility.${i}.when`);
  });
  def.routing.rules?.forEach((rule, i) => {
    checkAnswerFacts(rule.when, `routing.rules.${i}.when`);
    rule.team = team(rule.team, `routing.rules.${i}.team`);
  });

  const targets = def.sla.targets;
  const ordered = PRIORITIES.map((p) => targets[p]).filter((t): t is number => t !== undefined);
  if (ordered.some((t, i) => i > 0 && t < (ordered[i - 1] ?? 0)))
    err('sla.targets', 'SLA targets must not be shorter for a lower priority than for a higher one');
  if (def.sla.defaultPriority && targets[def.sla.defaultPriority] === undefined)
    err(
      'sla.defaultPriority',
      `There is no SLA target for the default priority (${def.sla.defaultPriority})`,
    );

  if (context.knownCodes) {
    def.relatedServices?.forEach((code, i) => {
      if (code === def.code) err(`relatedServices.${i}`, 'A service cannot be related to itself');
      else if (!context.knownCodes?.has(code))
        err(`relatedServices.${i}`, `There is no service with code “${code}”`);
    });
  }
  return errors.length ? { errors } : { definition: def, errors };
}

/** Definitions with teams as names, for export and for moving a library between councils. */
export function toSource(def: ServiceDefinition, teams: TeamDirectory): ServiceDefinition {
  // Keys in the schema's order (jsonb stores them sorted), so exported files read like the library.
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(ServiceDefinitionSource.properties)) {
    if ((def as unknown as Record<string, unknown>)[key] !== undefined)
      ordered[key] = (def as unknown as Record<string, unknown>)[key];
  }
  const out = structuredClone(ordered) as unknown as ServiceDefinition;
  out.owningTeam = teams.byId.get(def.owningTeam) ?? def.owningTeam;
  for (const rule of out.routing.rules ?? []) rule.team = teams.byId.get(rule.team) ?? rule.team;
  return out;
}

/** Stable JSON (sorted keys) so that an unchanged definition hashes the same on every import. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export function contentHash(def: ServiceDefinition): string {
  return createHash('sha256').update(canonical(def)).digest('hex');
}

/** The finder's words for a service: synonyms and keywords, apostrophes dropped ("wasn't" → "wasnt"). */
export function searchTerms(def: Pick<ServiceDefinition, 'synonyms' | 'keywords'>): string {
  return [...def.synonyms, ...def.keywords].join(' ; ').replace(/['’]/g, '');
}
