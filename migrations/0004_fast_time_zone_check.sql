-- pg_timezone_names reads the whole zone database from disk (about 40 ms a call), which made
-- every host insert slow. Known names are kept in a table; a name missing there (a zone newer
-- than this migration) is still looked up the slow way, so the check means what it meant.
CREATE TABLE known_time_zones (name text PRIMARY KEY);
INSERT INTO known_time_zones SELECT DISTINCT name FROM pg_timezone_names;

CREATE OR REPLACE FUNCTION is_time_zone(zone text) RETURNS boolean
  LANGUAGE plpgsql STABLE
  AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM known_time_zones WHERE name = zone) THEN
    RETURN true;
  END IF;
  RETURN EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = zone);
END
$$;
