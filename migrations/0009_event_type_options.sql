-- What more an event type says of itself: where it happens, its colour, a weekly limit, and
-- whether it was deleted.

-- Where a meeting happens, so pages and mails can say it properly: an address, a phone number
-- or a video link (the location text holds it); 'none' keeps the text as it is.
ALTER TABLE event_types ADD COLUMN location_kind text NOT NULL DEFAULT 'none'
  CHECK (location_kind IN ('none', 'in_person', 'phone', 'video'));

-- A colour per event type, so a host tells them apart at a glance (one of a fixed palette).
ALTER TABLE event_types ADD COLUMN colour text NOT NULL DEFAULT 'blue'
  CHECK (colour IN ('blue', 'green', 'orange', 'purple', 'red', 'teal', 'grey'));

-- A deleted event type stays for the meetings booked with it (their pages and history keep its
-- name), is never offered again, and gives up its address.
ALTER TABLE event_types ADD COLUMN deleted boolean NOT NULL DEFAULT false;

-- At most this many meetings of an event type per host-local week (Monday to Sunday).
ALTER TABLE event_types ADD COLUMN max_per_week integer CHECK (max_per_week BETWEEN 1 AND 5000);
