import type { NavItem } from '../../platform/search/search.ts';

export { BookingNotCancellable, BookingNotFound, ResourceNotFound, SlotFull } from './bookings.errors.ts';
export { type BookingsRouteOptions, bookingsRoutes } from './bookings.routes.ts';
export {
  type BookingInput,
  type BookingRecord,
  type BookingsService,
  createBookingsService,
  type OpeningHours,
  type ResourceRecord,
  type Slot,
} from './bookings.service.ts';

export const bookingsNavigation: readonly NavItem[] = [
  { href: '/staff/bookings', text: 'Bookings', permission: 'bookings.read' },
];
