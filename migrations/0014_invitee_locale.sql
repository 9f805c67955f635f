-- The language the invitee booked in (their browser's, or the API's `invitee.locale`): their
-- mails speak it. The host's mails speak `hosts.locale`.
ALTER TABLE bookings ADD COLUMN invitee_locale text NOT NULL DEFAULT 'en'
  CHECK (invitee_locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$');
