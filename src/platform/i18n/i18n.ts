import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Interface text for citizen pages, in English and Welsh (Welsh Language Standards). Every key in
 * the English catalogue must exist in the Welsh one; a test checks. Service content (names, form
 * questions) comes from the catalogue and is not translated here.
 */
export const LOCALES = ['en', 'cy'] as const;
export type Locale = (typeof LOCALES)[number];

type Catalogue = Readonly<Record<string, string>>;

const DIR = path.join(import.meta.dirname, 'locales');
const catalogues: Record<Locale, Catalogue> = {
  en: JSON.parse(readFileSync(path.join(DIR, 'en.json'), 'utf8')) as Catalogue,
  cy: JSON.parse(readFileSync(path.join(DIR, 'cy.json'), 'utf8')) as Catalogue,
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function messageKeys(locale: Locale): string[] {
  return Object.keys(catalogues[locale]);
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** `t('track.title')`, `t('search.results', { count: 3 })`; an unknown key shows itself, so it is noticed. */
export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, params) => {
    const text = catalogue[key] ?? catalogues.en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (match, name: string) => String(params[name] ?? match)) : text;
  };
}

/** The visitor's language: `?lang=` first, then their cookie, then their browser's Accept-Language. */
export function chooseLocale(query: unknown, cookie: unknown, acceptLanguage: unknown): Locale {
  if (isLocale(query)) return query;
  if (isLocale(cookie)) return cookie;
  if (typeof acceptLanguage === 'string' && /^\s*cy\b/i.test(acceptLanguage)) return 'cy';
  return 'en';
}
