/**
 * The audit trail's actions in plain words, for the people who read it (a data protection officer
 * answering "who looked at this person?"). The codes stay what is stored and filtered on; a test
 * checks every action the code writes has words here.
 */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  // Staff sign-in and administration
  'auth.sign_in': 'Staff signed in',
  'auth.sign_in_failed': 'Staff sign-in failed',
  'auth.account_locked': 'Staff account locked after failed sign-ins',
  'auth.sign_out': 'Staff signed out',
  'staff_user.created': 'Staff account created',
  'api_token.created': 'API token created',
  'council.created': 'Council set up',
  // Citizen accounts on the portal
  'account.created': 'Citizen account created',
  'account.create_refused': 'Citizen account refused (email already has one)',
  'account.verification_sent': 'Account verification email sent',
  'account.email_verified': 'Account email address verified',
  'account.sign_in': 'Citizen signed in',
  'account.sign_in_failed': 'Citizen sign-in failed',
  'account.locked': 'Citizen account locked after failed attempts',
  'account.password_check_failed': 'Citizen password check failed',
  'account.password_changed': 'Citizen password changed',
  'account.password_reset_requested': 'Citizen password reset requested',
  'account.password_reset': 'Citizen password reset',
  'account.email_change_requested': 'Account email change requested',
  'account.email_changed': 'Account email address changed',
  'account.email_change_refused': 'Account email change refused (address already has an account)',
  'account.linked': 'Citizen account linked to a person',
  'account.deleted': 'Citizen account deleted',
  // People and organisations
  'party.viewed': 'Record viewed',
  'party.created': 'Record created',
  'party.updated': 'Details changed',
  'party.imported': 'Record imported',
  'party.bulk_loaded': 'Records bulk loaded',
  'party.merged': 'Records merged',
  'party.unmerged': 'Merge undone',
  'party.account_linked': 'Portal account linked',
  'party.identifier_added': 'Identifier added',
  'party.identifier_removed': 'Identifier removed',
  'party.contact_point_added': 'Contact detail added',
  'party.contact_point_changed': 'Contact detail changed',
  'party.contact_point_removed': 'Contact detail removed',
  'party.address_added': 'Address added',
  'party.address_ended': 'Address ended',
  'party.relationship_added': 'Relationship added',
  'party.relationship_ended': 'Relationship ended',
  'party.alert_raised': 'Alert raised',
  'party.alert_reviewed': 'Alert reviewed',
  'party.alert_ended': 'Alert ended',
  'party.alerts_viewed': 'Alerts shown alongside a request',
  'party.consent_given': 'Consent given',
  'party.consent_withdrawn': 'Consent withdrawn',
  // Record linkage
  'identity.extract_loaded': 'Extract loaded for record linkage',
  'identity.pair_accepted': 'Possible match accepted',
  'identity.pair_rejected': 'Possible match rejected',
  // Contacts and service requests
  'contact.recorded': 'Contact recorded',
  'contact.exported': 'Contacts of the day downloaded',
  'case.created': 'Request created',
  'case.imported': 'Request imported',
  'case.viewed': 'Request viewed',
  'case.status_changed': 'Request status changed',
  'case.assigned': 'Request assigned',
  'case.update_added': 'Public update added to request',
  'case.note_added': 'Internal note added to request',
  'case.linked': 'Requests linked',
  'case.complaint_escalated': 'Complaint escalated',
  'case.attachment_added': 'File attached to request',
  'case.queue_exported': 'Work queue downloaded',
  // Bookings
  'booking.created': 'Appointment booked',
  'booking.cancelled': 'Appointment cancelled',
  'booking_resource.created': 'Bookable resource created',
  'booking_resource.updated': 'Bookable resource changed',
  // Messages
  'notification.viewed': 'Sent message viewed',
  'notification.exported': 'Sent messages downloaded',
  // Service catalogue
  'catalogue.imported': 'Service catalogue imported',
  'catalogue.lgsl_imported': 'LGSL services imported',
  'catalogue.draft_saved': 'Service draft saved',
  'catalogue.draft_discarded': 'Service draft discarded',
  'catalogue.published': 'Service published',
  'catalogue.retired': 'Service retired',
  // Gazetteer
  'gazetteer.imported': 'Address gazetteer imported',
  'gazetteer.assets_imported': 'Assets imported',
  'gazetteer.responsibilities_defined': 'Area responsibilities set',
};

/** The plain words for an action; the code itself for one that has none yet. */
export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action;
}
