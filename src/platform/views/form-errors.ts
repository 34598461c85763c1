import type { FieldError } from '../http/errors.ts';

/** The GOV.UK error summary's list: each message links to its field. */
export function errorSummary(errors: readonly FieldError[]): { text: string; href: string }[] {
  return errors.map((e) => ({ text: e.message, href: `#${e.field}` }));
}

/**
 * Each field's first message, for the message above the input. Parts of a field ("dob-day",
 * "location-lat") also mark the field itself ("dob"), so its fieldset shows the error.
 */
export function fieldErrorMessages(errors: readonly FieldError[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const e of errors) {
    map[e.field] ??= e.message;
    map[e.field.split('-')[0] ?? e.field] ??= e.message;
  }
  return map;
}
