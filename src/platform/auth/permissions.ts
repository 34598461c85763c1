/**
 * Roles and what each may do. Routes name a permission; this map is the only place that says which
 * roles hold it. Later modules add their permissions here.
 */
export const ROLES = ['agent', 'officer', 'supervisor', 'admin', 'auditor', 'integration'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  agent: 'Contact centre agent',
  officer: 'Back-office officer',
  supervisor: 'Supervisor',
  admin: 'Administrator',
  auditor: 'Auditor',
  integration: 'Integration (API)',
};

const STAFF: readonly Role[] = ['agent', 'officer', 'supervisor', 'admin', 'auditor'];

export const PERMISSIONS = {
  /** Use the staff web interface at all. */
  'staff.access': STAFF,
  /** Read the council's own settings (name, area, sites, teams). */
  'council.read': [...STAFF, 'integration'],
  /** List and manage staff accounts and API tokens. */
  'users.manage': ['admin'],
  /** Read the audit trail. */
  'audit.read': ['auditor'],
  /** Find council services and read their definitions, scripts and forms. */
  'catalogue.read': [...STAFF, 'integration'],
  /** Edit, publish, retire, import and export service definitions. */
  'catalogue.manage': ['admin'],
  /** Find addresses, streets, assets and who is responsible where (the gazetteer). */
  'gazetteer.read': [...STAFF, 'integration'],
  /** Find people and organisations and read their single view (every read is audited). */
  'parties.read': [...STAFF, 'integration'],
  /** Create and change people, organisations and households. */
  'parties.write': ['agent', 'officer', 'supervisor', 'admin', 'integration'],
  /** Raise staff alerts (e.g. potentially violent person) on a party. */
  'parties.alerts': ['officer', 'supervisor', 'admin'],
  /** Merge duplicate records and undo merges. */
  'parties.merge': ['supervisor', 'admin'],
  /** Read service requests, their updates and the work queues. */
  'cases.read': [...STAFF, 'integration'],
  /** Raise service requests (front office, integrations such as Open311). */
  'cases.create': ['agent', 'officer', 'supervisor', 'admin', 'integration'],
  /** Work requests: change status, add updates and notes, assign, link, attach files. */
  'cases.work': ['officer', 'supervisor', 'admin', 'integration'],
  /** See the supervisor dashboard and SLA figures across teams. */
  'cases.supervise': ['supervisor', 'admin'],
  /** See bookable resources, their slots and the bookings made. */
  'bookings.read': [...STAFF, 'integration'],
  /** Book and cancel on someone's behalf. */
  'bookings.manage': ['agent', 'officer', 'supervisor', 'admin', 'integration'],
  /** Read the emails and text messages sent to residents, and download them as CSV. */
  'notifications.read': ['supervisor', 'admin'],
  /** Read contacts and a party's contact timeline. */
  'contacts.read': ['agent', 'officer', 'supervisor', 'auditor', 'integration'],
  /** Record contacts (and see one's own contacts today); integrations such as telephony record too. */
  'contacts.record': ['agent', 'officer', 'supervisor', 'integration'],
  /** Review uncertain record-linkage pairs, and see the fraud and data-quality signals. */
  'identity.review': ['supervisor', 'admin'],
  /** See the list of party alerts due for review, whoever may see each alert. */
  'parties.alerts.review': ['supervisor', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function allPermissions(): Permission[] {
  return Object.keys(PERMISSIONS) as Permission[];
}
