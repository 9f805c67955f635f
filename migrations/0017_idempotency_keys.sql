-- Idempotency-Key on the host API's creating POSTs: the first request with a key claims it
-- (status NULL while it is answered) and its answer is kept, so a retry gets the same answer
-- and creates nothing twice. Kept 30 days, like booking idempotency keys.
CREATE TABLE api_idempotency_keys (
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  key text NOT NULL,
  request_digest text NOT NULL,
  status int,
  body text,
  location text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (host_id, key)
);
CREATE INDEX api_idempotency_keys_age ON api_idempotency_keys (created_at);
