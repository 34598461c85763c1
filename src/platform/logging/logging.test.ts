import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logging.ts';

describe('logging', () => {
  it('redacts personal data and secrets, logs paths without query strings, and carries the request id', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const options = loggerOptions('info');
    const app = Fastify({ ...options, logger: { ...(options.logger as object), stream } });
    app.get('/people', async (request) => {
      request.log.info(
        { person: { name: 'Margaret Smith', email: 'm@example.com', phone: '07700 900123' } },
        'looked up',
      );
      return { ok: true };
    });
    await app.inject({
      url: '/people?q=Margaret+Smith',
      headers: {
        authorization: 'Bearer ghk_secret',
        cookie: 'guildhall_session=secret',
        'x-request-id': 'req-42',
      },
    });
    await app.close();
    const text = lines.join('');
    expect(text).not.toContain('Margaret');
    expect(text).not.toContain('m@example.com');
    expect(text).not.toContain('07700');
    expect(text).not.toContain('ghk_secret');
    expect(text).not.toContain('guildhall_session=secret');
    expect(text).toContain('"url":"/people"');
    expect(text).toContain('req-42');
  });
});
