import type { BookingsService, OpeningHours } from '../src/modules/bookings/index.ts';

const weekdays = (open: string, close: string): OpeningHours[] =>
  [1, 2, 3, 4, 5].map((day) => ({ day, open, close }));
const everyDay = (open: string, close: string): OpeningHours[] =>
  [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open, close }));

/** The demo council's courts, pitches, rooms and classes, bookable from the portal and by staff. */
export async function seedDemoBookings(bookings: BookingsService, councilId: string): Promise<void> {
  const resources = [
    {
      serviceCode: 'tennis-court-booking',
      name: 'Victoria Park tennis court 1',
      kind: 'court' as const,
      location: 'Victoria Park, Park Road',
      capacity: 1,
      slotMinutes: 60,
      opening: everyDay('08:00', '21:00'),
      advanceDays: 7,
    },
    {
      serviceCode: 'tennis-court-booking',
      name: 'Victoria Park tennis court 2',
      kind: 'court' as const,
      location: 'Victoria Park, Park Road',
      capacity: 1,
      slotMinutes: 60,
      opening: everyDay('08:00', '21:00'),
      advanceDays: 7,
    },
    {
      serviceCode: 'sports-pitch-booking',
      name: 'Riverside football pitch',
      kind: 'pitch' as const,
      location: 'Riverside Recreation Ground',
      capacity: 1,
      slotMinutes: 120,
      opening: everyDay('09:00', '21:00'),
      advanceDays: 28,
    },
    {
      serviceCode: 'room-hire',
      name: 'Town Hall committee room',
      kind: 'room' as const,
      location: 'Town Hall, High Street',
      capacity: 1,
      slotMinutes: 60,
      opening: weekdays('09:00', '17:00'),
      advanceDays: 60,
    },
    {
      serviceCode: 'swimming-lessons',
      name: 'Beginners swimming class',
      kind: 'class' as const,
      location: 'Westbrook Leisure Centre',
      capacity: 12,
      slotMinutes: 30,
      opening: [
        { day: 6, open: '09:00', close: '12:00' },
        { day: 3, open: '17:00', close: '19:00' },
      ],
      advanceDays: 28,
    },
  ];
  for (const r of resources) await bookings.defineResource(councilId, r);
}
