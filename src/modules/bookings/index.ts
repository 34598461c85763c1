import type { NavItem } from '../../platform/search/search.ts';

export { BookingNotCancellable, BookingNotFound, ResourceNotFound, SlotFull } from './bookings.errors.ts';
export { bookingJobDefinitions, REMINDER_JOB } from './bookings.jobs.ts';
export { parseResourceForm, type ResourceForm } from './bookings.resources.ts';
export { type BookingsRouteOptions, bookingsRoutes } from './bookings.routes.ts';
export {
  type AppointmentReminder,
  type BookingInput,
  type BookingRecord,
  type BookingsDeps,
  type BookingsService,
  createBookingsService,
  type OpeningHours,
  REMINDER_HOURS,
  RESOURCE_KINDS,
  type ResourceDefinition,
  type ResourceKind,
  type ResourceRecord,
  type Slot,
} from './bookings.service.ts';

export const bookingsNavigation: readonly NavItem[] = [
  { href: '/staff/bookings', text: 'Bookings', permission: 'bookings.read' },
];
