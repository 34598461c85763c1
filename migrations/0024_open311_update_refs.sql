-- Open311 servicerequestupdates: an update a client posts is published back under the client's own
-- update_id, status, time and media_url, so FixMyStreet recognises its own update when it polls.
-- The request's updates that a posted update wrote carry its id (external_ref).
alter table service_request_update add column external_ref text;

-- A client's update_id is unique within one request, not across the council: two clients that both
-- number their updates 1, 2, 3 must not swallow each other's.
alter table open311_update drop constraint open311_update_pkey;
alter table open311_update add primary key (council_id, request_id, update_id);

-- What POST requests told the client it left out (service_notice), published again by GET requests.
alter table open311_request add column service_notice text;

-- GET servicerequestupdates publishes a posted update at the time the client gave it, and selects it
-- by that time.
create index open311_update_updated on open311_update (council_id, updated_at);
