-- Gazetteer import speed: the search text of an address is built from its parts.
--
-- gazetteer_search_text over a whole address (organisation, SAO, PAO, street, locality, town,
-- postcode) ran its regular expressions over every character of a million addresses, and was most
-- of the time spent building the search rows. The normalisation works word by word, and the parts
-- of an address are joined with spaces, so the search text of the whole is the search words of each
-- part joined by single spaces (parts with no words left out) with a space at each end. The import
-- therefore normalises each street, postcode and organisation once and each LPI's own text fields,
-- and joins them. The result is the same text, character for character (tested).

-- The words of one part, as gazetteer_search_text makes them, without the spaces at the ends; null
-- when the part has no words. Not strict, so that Postgres inlines it into the statement.
create function gazetteer_search_words(value text) returns text
language sql immutable parallel safe as $$
  select nullif(btrim(regexp_replace(
    regexp_replace(regexp_replace(replace(replace(lower(value), '''', ''), '’', ''),
      '([0-9])([a-z])', '\1 \2', 'g'), '([a-z])([0-9])', '\1 \2', 'g'),
    '[^a-z0-9]+', ' ', 'g')), '')
$$;
