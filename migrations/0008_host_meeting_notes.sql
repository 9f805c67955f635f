-- What a host keeps about a meeting for themselves: a private note, and whether the invitee
-- came. Apart from bookings, so the booking engine (and its exclusion constraint) never sees it.
CREATE TABLE booking_host_notes (
  booking_id  uuid PRIMARY KEY REFERENCES bookings (id),
  host_id     uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  note        text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
  no_show     boolean NOT NULL DEFAULT false,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The host's meeting lists (past, cancelled, searched) walk a host's bookings by start.
CREATE INDEX bookings_host_start ON bookings (host_id, start_at);

-- Where a meeting happens, so pages and mails can say it properly: an address, a phone number
-- or a video link (the location text holds it); 'none' keeps the text as it is.
ALTER TABLE event_types ADD COLUMN location_kind text NOT NULL DEFAULT 'none'
  CHECK (location_kind IN ('none', 'in_person', 'phone', 'video'));
