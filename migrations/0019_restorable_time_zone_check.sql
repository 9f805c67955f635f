-- pg_restore loads rows with an empty search_path, and hosts' CHECK calls is_time_zone, which
-- reads known_time_zones: unqualified, that table was not found and a backup could not be
-- restored. The function now carries the search_path it was made under. (While a restore has
-- not loaded known_time_zones yet, the slow lookup in pg_timezone_names answers the same.)
ALTER FUNCTION is_time_zone(text) SET search_path FROM CURRENT;
