import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CasesService } from './cases.service.ts';

/** Staff pages: the case page, work queues and the supervisor dashboard. */
export async function casePages(app: FastifyInstance, service: CasesService): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/staff/cases/:id/attachments/:attachmentId',
    {
      config: { permission: 'cases.read' },
      schema: {
        params: Type.Object({
          id: Type.String({ maxLength: 40 }),
          attachmentId: Type.String({ maxLength: 40 }),
        }),
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new Error('route requires a principal');
      const file = await service.getAttachment(
        principal.councilId,
        request.params.id,
        request.params.attachmentId,
      );
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename.replace(/["\r\n]/g, '_')}"`)
        .header('x-content-type-options', 'nosniff')
        .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
        .send(file.content);
    },
  );
}
