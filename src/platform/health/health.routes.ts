import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';

/** `/health` for load balancers and `/metrics` for Prometheus. Neither reveals personal data. */
export async function healthRoutes(app: FastifyInstance, options: { database: Database }): Promise<void> {
  const { database } = options;

  app.get('/health', { config: { public: true }, logLevel: 'warn' }, async (_request, reply) => {
    const started = performance.now();
    try {
      await sql`select 1`.execute(database.db);
      return {
        status: 'ok',
        database: {
          status: 'ok',
          kind: database.kind,
          latencyMs: Math.round((performance.now() - started) * 10) / 10,
        },
      };
    } catch {
      return reply
        .code(503)
        .send({ status: 'error', database: { status: 'unreachable', kind: database.kind } });
    }
  });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'guildhall_' });
  const duration = new Histogram({
    name: 'guildhall_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, so that ids never become label values.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { config: { public: true }, logLevel: 'warn' }, async (_request, reply) => {
    const pool = database.pool;
    const text = await registry.metrics();
    const poolMetrics = [
      '# HELP guildhall_db_pool_total Database connections open',
      '# TYPE guildhall_db_pool_total gauge',
      `guildhall_db_pool_total ${pool.totalCount}`,
      '# HELP guildhall_db_pool_idle Database connections idle',
      '# TYPE guildhall_db_pool_idle gauge',
      `guildhall_db_pool_idle ${pool.idleCount}`,
      '# HELP guildhall_db_pool_waiting Requests waiting for a database connection',
      '# TYPE guildhall_db_pool_waiting gauge',
      `guildhall_db_pool_waiting ${pool.waitingCount}`,
      '',
    ].join('\n');
    return reply.type(registry.contentType).send(text + poolMetrics);
  });
}
