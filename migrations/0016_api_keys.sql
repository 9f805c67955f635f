-- Host API keys: a host's scripts call /api/v1 with `Authorization: Bearer rvk_…`. Only the
-- key's SHA-256 digest is kept (the key is shown once); revoked keys stay listed nowhere and
-- authorize nothing. Scopes: read (GET) and write (everything else).
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host_id uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  token_digest bytea NOT NULL UNIQUE,
  scopes text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 2 AND scopes <@ ARRAY['read', 'write']),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_of_host ON api_keys (host_id) WHERE revoked_at IS NULL;
