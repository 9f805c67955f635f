-- A booking's idempotency key is its host's own: clients of two hosts (each choosing keys as
-- they like) must not collide, and a key must never lead to another host's booking.
ALTER TABLE bookings DROP CONSTRAINT bookings_idempotency_key_key;
ALTER TABLE bookings ADD CONSTRAINT bookings_host_idempotency_key UNIQUE (host_id, idempotency_key);
