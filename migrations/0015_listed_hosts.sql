-- The front page (/) lists only hosts who chose to be listed (on Account); a booking page is
-- found by its address either way.
ALTER TABLE hosts ADD COLUMN listed boolean NOT NULL DEFAULT false;
