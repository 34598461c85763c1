import type { NavItem } from '../../platform/search/search.ts';

export {
  adapterFromConfig,
  createNotifyAdapter,
  createOutboxAdapter,
  createSmtpAdapter,
  type DeliveryReceipt,
  type NotificationAdapter,
  notifyBearerToken,
  type OutgoingMessage,
  PermanentDeliveryFailure,
  TemporaryDeliveryFailure,
} from './notifications.adapters.ts';
export { MessageNotFound } from './notifications.errors.ts';
export { notificationJobDefinitions } from './notifications.jobs.ts';
export type { AttemptRecord, MessageRecord, MessageStatus, OutboxItem } from './notifications.repository.ts';
export { type NotificationsRouteOptions, notificationsRoutes } from './notifications.routes.ts';
export {
  CASE_EVENT_JOB,
  CASE_EVENTS,
  type CaseEventFacts,
  type CaseNotificationDetails,
  type CaseNotificationLookup,
  createNotificationsService,
  DELIVER_JOB,
  type NotificationsDeps,
  type NotificationsService,
  type RecipientLookup,
  type RecipientPreferences,
  type SendRequest,
} from './notifications.service.ts';
export {
  type Channel,
  type Language,
  type Personalisation,
  renderMessage,
  TEMPLATE_LABELS,
  TEMPLATES,
  type TemplateKey,
} from './notifications.templates.ts';

export const notificationsNavigation: readonly NavItem[] = [
  { href: '/staff/notifications', text: 'Sent messages', permission: 'notifications.read' },
];
