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
