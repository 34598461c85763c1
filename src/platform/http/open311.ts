import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Open311 GeoReport v2 answers in XML or JSON, chosen by the `.xml` / `.json` suffix, and reports
 * errors as errors/error{code, description}. The error handler uses this for every route under /open311.
 */
export type Open311Format = 'xml' | 'json';

export const OPEN311_CONTENT_TYPES: Record<Open311Format, string> = {
  xml: 'text/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface Open311ErrorItem {
  code: number;
  description: string;
}

export function isOpen311Request(request: FastifyRequest): boolean {
  return (
    request.url === '/open311' || request.url.startsWith('/open311/') || request.url.startsWith('/open311?')
  );
}

/** The XML declaration every Open311 XML document starts with (the spec asks for encoding="UTF-8"). */
export const OPEN311_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * The format a request asks for: JSON for a `.json` suffix (any case), otherwise XML, the format the
 * spec requires, which is also what a path without a suffix gets.
 */
export function open311FormatOf(request: FastifyRequest): Open311Format {
  const path = request.url.split('?')[0] ?? '';
  return path.toLowerCase().endsWith('.json') ? 'json' : 'xml';
}

/** Drops what XML 1.0 cannot hold even escaped: control characters (bar tab, CR, LF), U+FFFE/U+FFFF. */
function xmlCharacters(value: string): string {
  let out = '';
  for (const char of value.toWellFormed()) {
    const code = char.codePointAt(0) ?? 0;
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0xfffe ||
      code === 0xffff
    )
      continue;
    out += char;
  }
  return out;
}

/** What XML 1.0 cannot hold (control characters bar tab, CR, LF; U+FFFE/U+FFFF), or any surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it looks for
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;
// A carriage return is written as a reference: a parser turns a raw CR LF into LF, and the text would
// then differ from the JSON answer's.
const MARKUP = /[&<>"'\r]/;
const MARKUP_ALL = /[&<>"'\r]/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/** Text safe inside an XML element or attribute. */
export function escapeXml(value: string): string {
  // Most text (a reference, a date, a service name) needs nothing, and is answered as it is.
  const held = UNSAFE_CHARACTERS.test(value) ? xmlCharacters(value) : value;
  return MARKUP.test(held) ? held.replace(MARKUP_ALL, (c) => ENTITIES[c] ?? c) : held;
}

export function renderOpen311Errors(format: Open311Format, errors: readonly Open311ErrorItem[]): string {
  if (format === 'json')
    return JSON.stringify(errors.map((e) => ({ code: e.code, description: e.description })));
  const items = errors
    .map((e) => `<error><code>${e.code}</code><description>${escapeXml(e.description)}</description></error>`)
    .join('');
  return `${OPEN311_XML_DECLARATION}<errors>${items}</errors>`;
}

export function sendOpen311Errors(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  errors: readonly Open311ErrorItem[],
): FastifyReply {
  const format = open311FormatOf(request);
  return reply.code(status).type(OPEN311_CONTENT_TYPES[format]).send(renderOpen311Errors(format, errors));
}
