-- Bookings that ended long ago (ARCHIVE_AFTER_DAYS, default 90) move here in batches, so the
-- hot table, its indexes and its exclusion constraint stay the size of what is still to come.
-- The same columns in the same order: a migration that adds a column to bookings adds it here
-- too, and re-creates all_bookings.
CREATE TABLE bookings_archive (LIKE bookings INCLUDING DEFAULTS);
ALTER TABLE bookings_archive ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX bookings_archive_manage_token ON bookings_archive (manage_token);
CREATE INDEX bookings_archive_host_start ON bookings_archive (host_id, start_at);

-- What reads of one booking and the host's lists see: both tables.
CREATE VIEW all_bookings AS SELECT * FROM bookings UNION ALL SELECT * FROM bookings_archive;

-- The archive job walks bookings by end.
CREATE INDEX bookings_end ON bookings (end_at);

-- A booking's audit rows, notices and host notes stay where they are when it moves: they are
-- kept by their own retention (AUDIT_RETENTION_DAYS, NOTIFY_RETENTION_DAYS), not by the row.
ALTER TABLE booking_events DROP CONSTRAINT booking_events_booking_id_fkey;
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_booking_id_fkey;
ALTER TABLE booking_host_notes DROP CONSTRAINT booking_host_notes_booking_id_fkey;
CREATE INDEX booking_events_at ON booking_events (at);

-- Audit rows stay append-only, except that the retention job (and only it: it sets
-- rendezvous.pruning_audit for its own transaction) deletes those past AUDIT_RETENTION_DAYS.
CREATE OR REPLACE FUNCTION booking_events_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF TG_OP = 'DELETE' AND current_setting('rendezvous.pruning_audit', true) = 'on' THEN RETURN OLD; END IF;
    RAISE EXCEPTION 'booking_events is append-only';
  END $$;
