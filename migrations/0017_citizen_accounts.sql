-- Citizen accounts on the portal: an email address with a password (argon2id) or an OpenID Connect
-- identity (GOV.UK One Login style), linked to one party once the email address is verified.
-- Consents a party gives or withdraws are kept as a history, so a data protection officer can see
-- when each was given or withdrawn and through which channel.

create table citizen_account (
  id uuid primary key default uuid_v7(),
  council_id uuid not null references council (id),
  -- Lower case; one account per address per council.
  email text not null,
  -- Null for accounts that sign in only through an OIDC provider.
  password_hash text,
  email_verified_at timestamptz,
  -- The person in the party register, set when the email address is verified.
  party_id uuid,
  -- The OIDC provider's issuer and subject ("sub"), for accounts made or linked through it.
  oidc_issuer text,
  oidc_subject text,
  -- What the account holder said at creation, used to create their party if none matches.
  given_name text,
  family_name text,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (council_id, party_id) references party (council_id, id),
  unique (council_id, email)
);
create unique index citizen_account_oidc on citizen_account (council_id, oidc_issuer, oidc_subject)
  where oidc_subject is not null;
create index citizen_account_party on citizen_account (council_id, party_id) where party_id is not null;

-- Single-use tokens sent by email (verification links); only their SHA-256 is stored.
create table citizen_account_token (
  id text primary key,
  council_id uuid not null references council (id),
  account_id uuid not null references citizen_account (id) on delete cascade,
  purpose text not null check (purpose in ('verify_email')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index citizen_account_token_account on citizen_account_token (account_id, created_at desc);

-- Which account a portal session is signed in to ("sign out everywhere" ends them all).
alter table portal_session add column account_id uuid references citizen_account (id) on delete cascade;
create index portal_session_account on portal_session (account_id) where account_id is not null;

-- Consents, append-only: the latest row for a purpose is the one in force.
create table party_consent (
  id uuid primary key default uuid_v7(),
  council_id uuid not null,
  party_id uuid not null,
  purpose text not null check (purpose in ('email_updates', 'sms_updates', 'surveys')),
  granted boolean not null,
  source text not null check (source in ('web', 'staff', 'import')),
  recorded_at timestamptz not null default now(),
  recorded_by text,
  foreign key (council_id, party_id) references party (council_id, id)
);
create index party_consent_party on party_consent (party_id, purpose, recorded_at desc);
