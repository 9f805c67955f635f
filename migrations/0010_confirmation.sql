-- Event types that need the host's confirmation: their bookings start 'pending', hold their
-- time like a confirmed one, and the host accepts (confirmed) or declines (the time is free).

ALTER TABLE event_types ADD COLUMN requires_confirmation boolean NOT NULL DEFAULT false;

ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('pending', 'confirmed', 'declined', 'cancelled'));
-- A declined request records the host as who ended it, like a cancellation.
ALTER TABLE bookings DROP CONSTRAINT bookings_check1;
ALTER TABLE bookings ADD CONSTRAINT bookings_ended_by_check CHECK ((status IN ('cancelled', 'declined')) = (cancelled_by IS NOT NULL));
-- The backstop now covers requests too: a pending booking holds its time.
ALTER TABLE bookings DROP CONSTRAINT bookings_host_id_tstzrange_excl;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
  EXCLUDE USING gist (host_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) WHERE (status IN ('pending', 'confirmed'));
DROP INDEX bookings_host_end;
CREATE INDEX bookings_host_end ON bookings (host_id, end_at) WHERE status IN ('pending', 'confirmed');

ALTER TABLE booking_events DROP CONSTRAINT booking_events_type_check;
ALTER TABLE booking_events ADD CONSTRAINT booking_events_type_check
  CHECK (type IN ('created', 'cancelled', 'rescheduled', 'accepted', 'declined'));

ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_kind_check;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_kind_check
  CHECK (kind IN ('booking_confirmed', 'booking_cancelled', 'booking_rescheduled', 'booking_reminder',
                  'booking_requested', 'booking_accepted', 'booking_declined'));

-- Webhooks hear of requests and the host's answers too.
ALTER TABLE webhooks DROP CONSTRAINT webhooks_events_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_events_check CHECK (
  cardinality(events) >= 1 AND events <@ ARRAY['booking.created', 'booking.rescheduled', 'booking.cancelled',
                                                'booking.pending', 'booking.accepted', 'booking.declined']);
