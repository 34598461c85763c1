import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the GOV.UK Notify API (tests only): it checks the JWT bearer token as Notify
 * does, records each request, and answers 201 or whatever error a test asks for.
 */
export interface FakeNotify {
  readonly url: string;
  readonly apiKey: string;
  readonly serviceId: string;
  readonly requests: { path: string; body: Record<string, unknown> }[];
  /** The next responses to give, in order; after that, 201. */
  respondWith(...responses: { status: number; errors?: { error: string; message: string }[] }[]): void;
  close(): Promise<void>;
}

export async function startFakeNotify(): Promise<FakeNotify> {
  const serviceId = '26785a09-ab16-4eb0-8407-a37497a57506';
  const secret = '3d844edf-8d35-48ac-975b-e847b4f122b0';
  const apiKey = `guildhall_test-${serviceId}-${secret}`;
  const requests: FakeNotify['requests'] = [];
  let queued: { status: number; errors?: { error: string; message: string }[] }[] = [];

  const authError = (message: string) => ({ status: 403, errors: [{ error: 'AuthError', message }] });
  function checkToken(header: string | undefined) {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (!token) return authError('Unauthorized: authentication token must be provided');
    const [head, claims, signature] = token.split('.');
    if (!head || !claims || !signature) return authError('Invalid token: signature, api token not found');
    const alg = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string; typ?: string };
    if (alg.alg !== 'HS256' || alg.typ !== 'JWT')
      return authError('Invalid token: algorithm used is not HS256');
    const expected = createHmac('sha256', secret).update(`${head}.${claims}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return authError('Invalid token: signature, api token is not valid');
    const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss?: string; iat?: number };
    if (body.iss !== serviceId) return authError('Invalid token: service not found');
    if (typeof body.iat !== 'number' || Math.abs(Date.now() / 1000 - body.iat) > 30)
      return authError('Error: Your system clock must be accurate to within 30 seconds');
    return null;
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const path = request.url ?? '';
      const kind = /^\/v2\/notifications\/(email|sms)$/.exec(path)?.[1];
      if (request.method !== 'POST' || !kind)
        return send(404, { status_code: 404, errors: [{ error: 'NotFound', message: 'Not found' }] });
      const denied = checkToken(request.headers.authorization);
      if (denied) return send(denied.status, { status_code: denied.status, errors: denied.errors });
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      requests.push({ path, body });
      const next = queued.shift();
      if (next && next.status >= 400)
        return send(next.status, { status_code: next.status, errors: next.errors ?? [] });
      const id = `notify-${requests.length}`;
      const personalisation = (body.personalisation ?? {}) as Record<string, string>;
      send(201, {
        id,
        reference: body.reference ?? null,
        content:
          kind === 'email'
            ? {
                subject: personalisation.subject,
                body: personalisation.body,
                from_email: 'council@notifications.service.gov.uk',
              }
            : { body: personalisation.body, from_number: 'GOVUK' },
        uri: `https://api.notifications.service.gov.uk/v2/notifications/${id}`,
        template: { id: body.template_id, version: 1, uri: '' },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    serviceId,
    requests,
    respondWith(...responses) {
      queued = [...queued, ...responses];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
