-- Alerts are ended with a reason and reviewed on their review date; supervisors list those due.
alter table party_alert add column ended_by text;
alter table party_alert add column end_reason text;
alter table party_alert add column reviewed_at timestamptz;
alter table party_alert add column reviewed_by text;
create index party_alert_due on party_alert (council_id, review_on) where ended_at is null;

-- Parties at a property: current addresses by UPRN.
create index party_address_uprn on party_address (council_id, uprn) where uprn is not null;
