-- Host actors keep the idempotency keys of the last 30 days in memory; this finds them.
CREATE INDEX bookings_host_keys ON bookings (host_id, created_at) WHERE idempotency_key IS NOT NULL;
