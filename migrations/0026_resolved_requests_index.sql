-- The supervisor dashboard's closed-work figures: requests resolved in a period, per team, with
-- whether each met its due date, read from the index alone.
create index service_request_resolved on service_request (council_id, resolved_at) include (team_id, due_at)
  where resolved_at is not null;
