import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import type { BookingsService } from './bookings.service.ts';

export const REMINDER_JOB = 'bookings.appointment-reminders';

/** The bookings module's background jobs: appointment reminders, a day ahead. */
export function bookingJobDefinitions(service: BookingsService): JobDefinition[] {
  return [
    {
      name: REMINDER_JOB,
      // Every five minutes: a booking made less than a day ahead still gets its reminder soon after.
      schedule: '*/5 * * * *',
      handler: async () => {
        // A full batch means there may be more waiting.
        while ((await service.sendReminders(500)) === 500) {}
      },
    },
  ];
}
