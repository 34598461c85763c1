-- Open311 GeoReport v2: the zipcode (a UK postcode) a client sent with a request, published back in
-- GET requests' zipcode field.
alter table open311_request add column zipcode text;
