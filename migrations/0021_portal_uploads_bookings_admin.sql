-- Citizen portal uploads and the bookings admin.
--
-- A photo a visitor adds to a report is held here until they press Send, then it becomes a case
-- attachment and the row is deleted. Rows belong to a journey (whose random id lives only in the
-- visitor's server-side portal session); uploads whose journey is in no live session are purged.

create table portal_upload (
  council_id uuid not null references council (id),
  journey_id text not null,
  question_code text not null,
  filename text not null,
  content_type text not null,
  content bytea not null,
  size_bytes integer not null check (size_bytes > 0),
  sha256 text not null,
  created_at timestamptz not null default now(),
  primary key (council_id, journey_id, question_code)
);
create index portal_upload_created on portal_upload (created_at);

-- Bookable resources: what kind of thing it is, dates it is closed (bank holidays, maintenance) and
-- whether citizens may book it on the portal (repair appointment slots are booked by staff).
alter table bookable_resource add column kind text not null default 'other'
  check (kind in ('court', 'pitch', 'room', 'class', 'appointment', 'other'));
alter table bookable_resource add column closed_dates jsonb not null default '[]'::jsonb;
alter table bookable_resource add column public boolean not null default true;

-- Appointment reminders: when the reminder for a booking was queued, so it is sent once.
alter table booking add column reminder_sent_at timestamptz;
create index booking_reminder_due on booking (starts_at) where status = 'booked' and reminder_sent_at is null;
