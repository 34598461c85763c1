-- Notifications: every email and text message Guildhall sends, each delivery attempt, and the outbox
-- adapter's store (the demo's "sent messages" when no email or SMS provider is configured).

create table notification_message (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  created_at timestamptz not null default now(),
  -- Which template: request_received, status_changed, update_added, appointment_reminder, email_verification.
  template text not null,
  channel text not null check (channel in ('email', 'sms')),
  language text not null default 'en' check (language in ('en', 'cy')),
  -- An email address, or a phone number in E.164.
  recipient text not null,
  party_id uuid,
  -- What the message is about, for staff searching (e.g. a case reference).
  reference text,
  -- The values the template is rendered with (reference, service name, status, dates, links).
  personalisation jsonb not null default '{}'::jsonb,
  -- Filled when the message is rendered for delivery.
  subject text,
  body text,
  -- queued → sent; or retrying (temporary failure) → sent / failed; or opted_out / failed at once.
  status text not null default 'queued'
    check (status in ('queued', 'retrying', 'sent', 'failed', 'opted_out')),
  status_detail text,
  adapter text,
  provider_id text,
  attempts integer not null default 0,
  sent_at timestamptz,
  updated_at timestamptz not null default now(),
  -- Makes sending idempotent for a source, e.g. 'domain_event:42:email'.
  source_key text
);
create unique index notification_message_source on notification_message (council_id, source_key)
  where source_key is not null;
create index notification_message_recent on notification_message (council_id, id desc);
create index notification_message_recipient on notification_message (council_id, lower(recipient));
create index notification_message_reference on notification_message (council_id, lower(reference));

create table notification_attempt (
  id bigint generated always as identity primary key,
  council_id uuid not null references council (id),
  message_id uuid not null references notification_message (id),
  attempted_at timestamptz not null default now(),
  adapter text not null,
  outcome text not null check (outcome in ('sent', 'temporary_failure', 'permanent_failure', 'opted_out')),
  detail text
);
create index notification_attempt_message on notification_attempt (message_id, id);

-- The outbox adapter's "mailbox": what would have gone to a provider.
create table notification_outbox (
  id bigint generated always as identity primary key,
  council_id uuid not null references council (id),
  message_id uuid not null references notification_message (id),
  delivered_at timestamptz not null default now(),
  channel text not null check (channel in ('email', 'sms')),
  recipient text not null,
  subject text,
  body text not null
);
create index notification_outbox_message on notification_outbox (message_id);
