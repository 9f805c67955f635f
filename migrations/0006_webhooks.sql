-- Webhooks: URLs a host registers to hear of booking changes. Their deliveries are outbox rows
-- like mail (recipient 'webhook'), written in the statement that makes the change. So are SMS
-- reminders (recipient 'sms'), for invitees who answered a phone question.
CREATE TABLE webhooks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host_id     uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  url         text NOT NULL CHECK (length(url) <= 2000 AND url ~ '^https?://'),
  -- Signs every delivery (HMAC-SHA256); shown to the host, who verifies with it.
  secret      text NOT NULL CHECK (length(secret) >= 32),
  events      text[] NOT NULL CHECK (
    cardinality(events) >= 1 AND events <@ ARRAY['booking.created', 'booking.rescheduled', 'booking.cancelled']),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_host ON webhooks (host_id);

ALTER TABLE notification_outbox ADD COLUMN webhook_id uuid REFERENCES webhooks (id) ON DELETE CASCADE;
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_recipient_check;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_recipient_check
  CHECK (recipient IN ('invitee', 'host', 'webhook', 'sms'));
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_webhook_check
  CHECK ((recipient = 'webhook') = (webhook_id IS NOT NULL));
CREATE INDEX notification_outbox_webhook ON notification_outbox (webhook_id) WHERE webhook_id IS NOT NULL;
