-- Idempotency keys for creating requests (the `Idempotency-Key` header on POSTs that create things).
-- A key is scoped to the caller (an API token or a staff user) and remembers the response it gave,
-- so a client that retries after a timeout gets the same resource instead of a second one.

create table idempotency_key (
  council_id uuid not null references council (id),
  -- Who sent it: 'api:<token id>' or 'staff:<user id>'; keys never collide across callers.
  caller text not null,
  key text not null,
  -- What was asked: the operation and a hash of the request body. The same key with a different
  -- request is refused rather than answered with the wrong resource.
  operation text not null,
  request_hash text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (council_id, caller, key)
);
create index idempotency_key_created on idempotency_key (created_at);
