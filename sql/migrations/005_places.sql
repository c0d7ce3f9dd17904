-- 005_places.sql: where a city is, for the map (/map).
--
-- WGS84 degrees; both null = not placed (the map lists it as unplaced).  One without the other is
-- refused here as well as by the cities-file reader, so a half-placed city cannot exist.  The workers
-- only read them (001_schema.sql's grant of select on every table covers the new columns).
alter table cities add column if not exists lat double precision;
alter table cities add column if not exists lon double precision;
alter table cities drop constraint if exists cities_lat_range;
alter table cities add constraint cities_lat_range check (lat between -90 and 90);
alter table cities drop constraint if exists cities_lon_range;
alter table cities add constraint cities_lon_range check (lon between -180 and 180);
alter table cities drop constraint if exists cities_place_whole;
alter table cities add constraint cities_place_whole check ((lat is null) = (lon is null));
