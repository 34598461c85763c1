import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import { CASE_EVENT_JOB, DELIVER_JOB, type NotificationsService } from './notifications.service.ts';

/** The notifications module's background jobs: delivering a message, and turning a case event into one. */
export function notificationJobDefinitions(service: NotificationsService): JobDefinition[] {
  return [
    {
      name: DELIVER_JOB,
      handler: async (data) => {
        if (typeof data.messageId === 'string') await service.deliver(data.messageId);
      },
    },
    {
      name: CASE_EVENT_JOB,
      handler: async (data) => {
        const { eventId, councilId, caseId, eventType } = data;
        if (
          typeof eventId !== 'number' ||
          typeof councilId !== 'string' ||
          typeof caseId !== 'string' ||
          typeof eventType !== 'string'
        )
          return;
        const text = (value: unknown) => (typeof value === 'string' ? value : null);
        await service.notifyCaseEvent({
          eventId,
          councilId,
          caseId,
          eventType,
          status: text(data.status),
          outcome: text(data.outcome),
          updateId: text(data.updateId),
        });
      },
    },
  ];
}
