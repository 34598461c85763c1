-- Domain events: every change a module makes also writes an event here, in the same transaction
-- (the transactional outbox). Notifications and back-office integrations consume them in order.

create table domain_event (
  id bigint generated always as identity primary key,
  council_id uuid not null references council (id),
  occurred_at timestamptz not null default now(),
  -- What changed: e.g. aggregate_type 'service_request', aggregate_id its id, event_type 'case.status_changed'.
  aggregate_type text not null,
  aggregate_id text not null,
  event_type text not null,
  -- Ids and codes only; consumers read current details through the owning module.
  payload jsonb not null default '{}'::jsonb,
  correlation_id text,
  -- Set by the dispatcher once every subscriber has the event.
  published_at timestamptz
);
create index domain_event_unpublished on domain_event (id) where published_at is null;
create index domain_event_aggregate on domain_event (council_id, aggregate_type, aggregate_id, id);
