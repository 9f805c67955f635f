-- Hosts run their own accounts: roles, and invitations the owner hands out.

-- owner: the first host (made at first run); admin: may invite hosts like the owner.
ALTER TABLE hosts ADD COLUMN role text NOT NULL DEFAULT 'host' CHECK (role IN ('owner', 'admin', 'host'));
CREATE UNIQUE INDEX hosts_one_owner ON hosts ((true)) WHERE role = 'owner';

-- An invitation makes one new host: single use, for seven days, kept only as a digest. Without
-- an inviter it is a sign-up link someone asked for themselves (SIGNUP=open).
CREATE TABLE host_invitations (
  token_digest  bytea PRIMARY KEY,
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 320 AND email LIKE '%_@_%'),
  invited_by    uuid REFERENCES hosts (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  -- The host the invitation made.
  host_id       uuid REFERENCES hosts (id) ON DELETE SET NULL
);
CREATE INDEX host_invitations_open ON host_invitations (invited_by, created_at) WHERE used_at IS NULL;

-- Which browser or program a session was started from, so a host can tell their sessions apart.
ALTER TABLE host_sessions ADD COLUMN device text NOT NULL DEFAULT '' CHECK (length(device) <= 200);

-- A few words about the host on their booking page.
ALTER TABLE hosts ADD COLUMN bio text NOT NULL DEFAULT '' CHECK (length(bio) <= 1000);

-- A deactivated host cannot sign in and offers nothing; their meetings and history stay.
ALTER TABLE hosts ADD COLUMN active boolean NOT NULL DEFAULT true;

-- A picture the host uploaded (PNG, JPEG or WebP, at most 48 KiB); none: their initials.
ALTER TABLE hosts ADD COLUMN avatar bytea CHECK (octet_length(avatar) <= 49152);
ALTER TABLE hosts ADD COLUMN avatar_type text CHECK (avatar_type IN ('image/png', 'image/jpeg', 'image/webp'));
ALTER TABLE hosts ADD CONSTRAINT hosts_avatar_typed CHECK ((avatar IS NULL) = (avatar_type IS NULL));
