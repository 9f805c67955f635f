-- Several meeting lengths per event type: the invitee picks `duration_minutes` (offered first)
-- or one of these. Empty: the event type has one length.
ALTER TABLE event_types ADD COLUMN other_durations integer[] NOT NULL DEFAULT '{}' CHECK (
  cardinality(other_durations) <= 4
  AND 1 <= ALL (other_durations) AND 1440 >= ALL (other_durations)
  AND NOT (duration_minutes = ANY (other_durations))
);
