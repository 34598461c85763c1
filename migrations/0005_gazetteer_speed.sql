-- Gazetteer speed: a word index for address autocomplete, and property reads as plpgsql functions.
--
-- Why functions: a property's detail (summary, parent, units, history, cross-references,
-- organisations) is one statement of a dozen lateral joins and subqueries. Planning it took longer
-- than running it (about 4-8 ms against 1-2 ms at a million LPIs). PL/pgSQL prepares each statement
-- once per connection and reuses the plan, so a lookup is one round trip with no planning. The
-- repository calls these functions; the columns are the same as it read before.

-- Autocomplete's first step: the words of each search row as a tsvector ('simple': no stemming, no
-- stop words), so "12 high st" is the GIN posting-list intersection 12 & high:* & (st:* | street:*),
-- exact and without trigram false positives. The pg_trgm index stays for the fuzzy fallback.
create index gazetteer_address_words on gazetteer_address
  using gin (to_tsvector('simple', search_text));

-- Properties by UPRN with their current address: the approved (status 1) LPI, English first when
-- there is also a Welsh one; street, current organisations, classification and postcode areas.
-- A property with no approved LPI comes back with the LPI fields null. Returns a JSON array of rows.
create function gazetteer_property_summaries(p_council uuid, p_uprns bigint[]) returns json
language plpgsql stable as $$
begin
  return (
    select coalesce(json_agg(r), '[]'::json) from (
      select b.uprn, b.parent_uprn, b.logical_status as blpu_status, b.state as blpu_state, b.easting,
        b.northing, b.lat, b.long, b.postcode, b.rpc, b.country, b.multi_occ_count,
        b.start_date as blpu_start_date, b.end_date as blpu_end_date,
        l.lpi_key, l.usrn, l.language, l.logical_status, l.sao_start_number, l.sao_start_suffix,
        l.sao_end_number, l.sao_end_suffix, l.sao_text, l.pao_start_number, l.pao_start_suffix,
        l.pao_end_number, l.pao_end_suffix, l.pao_text, d.description as street, d.locality, d.town,
        d.administrative_area, o.organisation, c.classification_code, p.ward_code, w.name as ward_name,
        p.parish_code, pa.name as parish_name, p.local_authority_code
      from gazetteer_blpu b
      left join lateral (
        select * from gazetteer_lpi l where l.council_id = b.council_id and l.uprn = b.uprn and l.logical_status = 1
        order by (l.language = 'ENG') desc, l.start_date desc nulls last, l.lpi_key limit 1) l on true
      left join lateral (
        select d.description, d.locality, d.town, d.administrative_area from gazetteer_street_descriptor d
        where d.council_id = b.council_id and d.usrn = l.usrn
        order by (d.language = l.language) desc, (d.language = 'ENG') desc limit 1) d on true
      left join lateral (
        select string_agg(o.organisation, ', ' order by o.org_key) as organisation from gazetteer_organisation o
        where o.council_id = b.council_id and o.uprn = b.uprn and o.end_date is null) o on true
      left join lateral (
        select c.classification_code from gazetteer_classification c
        where c.council_id = b.council_id and c.uprn = b.uprn and c.end_date is null
        order by c.start_date desc nulls last limit 1) c on true
      left join gazetteer_postcode p on p.postcode_key = upper(replace(b.postcode, ' ', ''))
      left join gazetteer_area w on w.council_id = b.council_id and w.code = p.ward_code
      left join gazetteer_area pa on pa.council_id = b.council_id and pa.code = p.parish_code
      where b.council_id = p_council and b.uprn = any(p_uprns)
    ) r);
end
$$;

-- One property with everything its page and the API show, or null when there is no such UPRN:
-- {property, parent, children (the first p_child_limit units by UPRN), child_count, history (every
-- LPI, current first, then by date), cross_references, organisations}.
create function gazetteer_property_detail(p_council uuid, p_uprn bigint, p_child_limit integer) returns json
language plpgsql stable as $$
declare
  v_property json;
begin
  v_property := gazetteer_property_summaries(p_council, array[p_uprn]) -> 0;
  if v_property is null then
    return null;
  end if;
  return json_build_object(
    'property', v_property,
    'parent', case when v_property ->> 'parent_uprn' is not null then
      gazetteer_property_summaries(p_council, array[(v_property ->> 'parent_uprn')::bigint]) -> 0 end,
    'child_count', (select count(*) from gazetteer_blpu k where k.council_id = p_council and k.parent_uprn = p_uprn),
    'children', gazetteer_property_summaries(p_council, array(
      select k.uprn from gazetteer_blpu k where k.council_id = p_council and k.parent_uprn = p_uprn
      order by k.uprn limit p_child_limit)),
    'history', (
      select coalesce(json_agg(h order by
          case h.logical_status when 1 then 0 when 3 then 1 when 6 then 2 else 3 end,
          h.end_date desc nulls first, h.start_date desc nulls last, h.lpi_key), '[]'::json)
      from (
        select l.lpi_key, l.uprn, l.usrn, l.language, l.logical_status, l.start_date, l.end_date,
          l.last_update_date, l.official_flag, l.level, l.sao_start_number, l.sao_start_suffix,
          l.sao_end_number, l.sao_end_suffix, l.sao_text, l.pao_start_number, l.pao_start_suffix,
          l.pao_end_number, l.pao_end_suffix, l.pao_text, d.description as street, d.locality, d.town
        from gazetteer_lpi l
        left join lateral (
          select d.description, d.locality, d.town from gazetteer_street_descriptor d
          where d.council_id = l.council_id and d.usrn = l.usrn
          order by (d.language = l.language) desc, (d.language = 'ENG') desc limit 1) d on true
        where l.council_id = p_council and l.uprn = p_uprn) h),
    'cross_references', (
      select coalesce(json_agg(x order by x.end_date nulls first, x.source), '[]'::json)
      from (select source, cross_reference, start_date, end_date from gazetteer_xref
            where council_id = p_council and uprn = p_uprn) x),
    'organisations', (
      select coalesce(json_agg(o order by o.end_date nulls first, o.start_date desc nulls last), '[]'::json)
      from (select organisation, legal_name, start_date, end_date from gazetteer_organisation
            where council_id = p_council and uprn = p_uprn) o));
end
$$;

-- Autocomplete reads the start of the address straight off a btree: "12 high st" is the range of
-- search texts from ' 12 high st' to ' 12 high st~', scanned in index order with the LIMIT pushed
-- down, so it touches a handful of rows however common the words are.
create index gazetteer_address_prefix on gazetteer_address (council_id, search_text text_pattern_ops);

-- Address search candidates, best first, in three steps; each runs only when the one before found
-- nothing:
--  1. prefixes: the address starts with the first k typed words, for each start in p_prefixes (the
--     longest first), at most 2,000 rows of the range read, in address-text order, stopping at
--     p_limit matches (the typed words are all at the start, so there is no more ranking to do);
--  2. words: the word index (p_words, a tsquery), the words in any order, at most 400 rows;
--  3. fuzzy: pg_trgm word similarity of at least 0.7 to p_text, for misspellings.
-- Every candidate of steps 1 and 2 matches p_match, a regular expression saying that each typed
-- word starts a word of the address (the rule of the search); step 3 keeps p_numbers (the typed
-- house numbers must match). Approved addresses come before alternative ones; steps 2 and 3 then rank
-- the typed words in order (p_phrase, a LIKE pattern) and trigram similarity, then address order.
create function gazetteer_address_candidates(
  p_council uuid, p_prefixes text[], p_match text, p_words tsquery, p_phrase text, p_text text,
  p_numbers text, p_limit integer
) returns table (uprn bigint, lpi_key text, logical_status smallint, step text)
language plpgsql stable as $$
declare
  v_prefix text;
begin
  foreach v_prefix in array coalesce(p_prefixes, '{}'::text[]) loop
    return query
      select f.uprn, f.lpi_key, f.logical_status, 'prefix' from (
        select m.uprn, m.lpi_key, m.logical_status from (
          select a.uprn, a.lpi_key, a.logical_status, a.search_text from gazetteer_address a
          where a.council_id = p_council and a.search_text ~>=~ v_prefix and a.search_text ~<~ (v_prefix || '~')
          limit 2000) m
        where m.search_text ~ p_match
        limit p_limit) f
      order by f.logical_status;
    if found then
      return;
    end if;
  end loop;
  if p_words is not null then
    return query
      select m.uprn, m.lpi_key, m.logical_status, 'words' from (
        select a.uprn, a.lpi_key, a.logical_status, a.search_text, a.sort_key from gazetteer_address a
        where a.council_id = p_council and to_tsvector('simple', a.search_text) @@ p_words
          and a.search_text ~ p_match
        limit 400) m
      order by m.logical_status, (m.search_text like p_phrase) desc, similarity(m.search_text, p_text) desc,
        m.sort_key
      limit p_limit;
    if found then
      return;
    end if;
  end if;
  return query
    select m.uprn, m.lpi_key, m.logical_status, 'fuzzy' from (
      select a.uprn, a.lpi_key, a.logical_status, a.search_text, a.sort_key,
        word_similarity(p_text, a.search_text) as score
      from gazetteer_address a
      where a.council_id = p_council and p_text <% a.search_text and a.search_text ~ p_numbers
      limit 400) m
    where m.score >= 0.7
    order by m.score desc, m.logical_status, m.sort_key
    limit p_limit;
end
$$;

-- Staging is read by import and record type; the record key is sorted when a supply is applied.
-- Keeping a text key in the index cost a collated comparison per staged record during the load.
drop index gazetteer_staging_record_import;
create index gazetteer_staging_record_import on gazetteer_staging_record (import_id, record_type);
