import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyReply {
    /**
     * The nonce inline scripts on this page carry (GOV.UK Frontend's template has one). Drawn on
     * first use and added to the page's Content Security Policy; a reply that never asks (JSON,
     * files) neither draws one nor widens its policy.
     */
    cspNonce(): string;
  }
}

const CSP = 'content-security-policy';
const nonces = new WeakMap<FastifyReply, string>();

/**
 * The headers helmet sets for `options`, worked out once at start-up. Helmet's middleware parses its
 * options on every call, and @fastify/helmet called it afresh for every request.
 */
export function securityHeadersFor(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as never, response as never, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/** `policy` with `nonce` allowed for scripts: added to script-src, or as a script-src of its own where there is none. */
export function withScriptNonce(policy: string, nonce: string): string {
  const source = `'nonce-${nonce}'`;
  const directives = policy.split(';').map((d) => d.trim());
  const index = directives.findIndex((d) => d.startsWith('script-src ') || d === 'script-src');
  if (index >= 0) directives[index] = `${directives[index]} ${source}`;
  else directives.push(`script-src 'self' ${source}`);
  return directives.filter(Boolean).join(';');
}

/**
 * Security headers on every response (Content Security Policy, HSTS, frame and sniffing rules), as
 * helmet defines them, set from a list made once. Pages that render an inline script ask the reply
 * for its nonce (`reply.cspNonce()`), which extends that page's policy.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeadersFor(options);
  app.decorateReply('cspNonce', function cspNonce(this: FastifyReply) {
    let nonce = nonces.get(this);
    if (nonce === undefined) {
      nonce = randomBytes(16).toString('base64url');
      nonces.set(this, nonce);
      const policy = this.getHeader(CSP);
      if (typeof policy === 'string') this.header(CSP, withScriptNonce(policy, nonce));
    }
    return nonce;
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
