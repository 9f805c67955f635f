-- The server routes these paths itself: a host with such a slug could never be reached.
ALTER TABLE hosts ADD CONSTRAINT hosts_slug_not_reserved
  CHECK (slug NOT IN ('api', 'assets', 'booking', 'health', 'host', 'live', 'metrics'));

-- How hosts sign in: a single-use link (made by `npm run sign-in`) starts a session. Only the
-- SHA-256 digests of their tokens are kept, so a copy of the database signs nobody in.
CREATE TABLE host_sign_in_links (
  token_digest  bytea PRIMARY KEY,
  host_id       uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);

CREATE TABLE host_sessions (
  token_digest  bytea PRIMARY KEY,
  host_id       uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz
);
