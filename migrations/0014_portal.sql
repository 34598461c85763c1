-- Citizen portal sessions: what a visitor without an account has in progress (the answers of a
-- request they are making) and which requests they may see (the ones they made or proved they know).
-- The cookie holds a random token; only its SHA-256 is stored. Rows expire after a day of inactivity.

create table portal_session (
  id text primary key,
  council_id uuid not null references council (id),
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index portal_session_expires on portal_session (expires_at);
