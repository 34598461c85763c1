import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret for cookies and API tokens: 256 bits, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** API tokens carry a recognisable prefix so that secret scanners can spot a leaked one. */
export const API_TOKEN_PREFIX = 'ghk_';

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomToken(32)}`;
}
