-- An LGSL entry the council has written nothing for: added by the LGSL import so staff can answer
-- "does the council do X?", but a dead end for citizens ("contact the council"), so the portal's A to
-- Z and search leave it out. Kept in the header like the other finder columns; the application sets it
-- from each published definition (information only, with no web guidance beyond the stock LGSL text).
alter table catalogue_service add column placeholder boolean not null default false;

-- Entries the LGSL import made and nobody has since rewritten: the import's agent script, and web
-- guidance that is still the summary it was made from.
update catalogue_service s
   set placeholder = true
  from catalogue_service_version v
 where v.service_id = s.id
   and v.version = s.published_version
   and s.information_only
   and s.code ~ '^lgsl-[0-9]+$'
   and v.definition -> 'knowledge' ->> 'agentScript' like 'Information only: Guildhall has no process for this service yet.%'
   and left(coalesce(v.definition -> 'knowledge' ->> 'webGuidance', ''), 1000) = s.summary;
