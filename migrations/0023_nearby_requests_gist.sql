-- Duplicate suggestions look for open requests for the same service within a few metres of a new
-- one, on the path of every new request. The btree on (service, easting, northing) read every open
-- request in a strip the width of the search across the whole council (about 1,700 index entries with
-- 100,000 open); a GiST index on the point reads only those in the square, nearest first.
create index service_request_nearby_point on service_request using gist (point(easting, northing)) where is_open;
drop index service_request_nearby;
