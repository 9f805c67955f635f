-- Deliveries: the outbox becomes a work queue. A worker claims due rows (FOR UPDATE SKIP
-- LOCKED), leases them, records every attempt before talking to the mail server, and ends each
-- row as sent, dead (permanent failure or too many attempts) or skipped (a reminder whose
-- meeting moved, ended or was cancelled).

ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_kind_check;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_kind_check
  CHECK (kind IN ('booking_confirmed', 'booking_cancelled', 'booking_rescheduled', 'booking_reminder'));

ALTER TABLE notification_outbox
  ADD COLUMN status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'skipped')),
  ADD COLUMN lease_owner text,
  ADD COLUMN lease_until timestamptz,
  -- Attempts made before the last manual retry: a retried dead row gets a fresh allowance.
  ADD COLUMN attempts_before_retry integer NOT NULL DEFAULT 0,
  ADD COLUMN finished_at timestamptz,
  ADD CHECK ((status = 'sending') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL));

-- Notices written before deliveries existed: sent ones stay sent; unsent ones about meetings
-- that have already begun are not worth sending any more.
UPDATE notification_outbox SET status = 'sent', finished_at = sent_at WHERE sent_at IS NOT NULL;
UPDATE notification_outbox o SET status = 'skipped', finished_at = now()
  FROM bookings b WHERE o.booking_id = b.id AND o.status = 'pending' AND b.start_at < now();

DROP INDEX notification_outbox_pending;
CREATE INDEX notification_outbox_due ON notification_outbox (available_at) WHERE status = 'pending';
CREATE INDEX notification_outbox_leased ON notification_outbox (lease_until) WHERE status = 'sending';
CREATE INDEX notification_outbox_booking ON notification_outbox (booking_id);
CREATE INDEX notification_outbox_finished ON notification_outbox (finished_at) WHERE status IN ('sent', 'dead', 'skipped');

-- One row per try, committed before the mail server hears of it. A row without an outcome is
-- an attempt whose result nobody knows (the worker died or lost its lease mid-send).
CREATE TABLE notification_attempts (
  outbox_id    bigint NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
  attempt      integer NOT NULL CHECK (attempt >= 1),
  worker       text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  outcome      text CHECK (outcome IN ('sent', 'transient', 'permanent', 'skipped')),
  error        text,
  PRIMARY KEY (outbox_id, attempt)
);

-- Reminders before each meeting, in minutes (default: a day and an hour before).
ALTER TABLE event_types ADD COLUMN reminder_minutes integer[] NOT NULL DEFAULT '{1440,60}'
  CHECK (cardinality(reminder_minutes) <= 5 AND 0 < ALL (reminder_minutes) AND 40320 >= ALL (reminder_minutes));

-- Where mail goes when no SMTP_URL is set: kept here and shown on the loopback-only /mailbox.
CREATE TABLE local_mailbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   text NOT NULL UNIQUE,
  recipient    text NOT NULL,
  subject      text NOT NULL,
  text_body    text NOT NULL,
  html_body    text NOT NULL,
  calendar     text,
  raw          text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE hosts DROP CONSTRAINT hosts_slug_not_reserved;
ALTER TABLE hosts ADD CONSTRAINT hosts_slug_not_reserved
  CHECK (slug NOT IN ('api', 'assets', 'booking', 'health', 'host', 'live', 'mailbox', 'metrics'));
