-- Named schedules: weekly hours of their own, chosen per event type. The host's weekly hours
-- (availability rules without a schedule) stay the default schedule; dates that differ
-- (date_overrides) belong to the host and apply to every schedule.
CREATE TABLE schedules (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host_id     uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (host_id, name),
  UNIQUE (host_id, id)
);

-- NULL: the host's default weekly hours.
ALTER TABLE availability_rules ADD COLUMN schedule_id uuid;
ALTER TABLE availability_rules ADD FOREIGN KEY (host_id, schedule_id) REFERENCES schedules (host_id, id) ON DELETE CASCADE;
CREATE INDEX availability_rules_schedule ON availability_rules (schedule_id) WHERE schedule_id IS NOT NULL;

-- NULL: the host's default weekly hours. A schedule in use by a live event type is never deleted
-- (the host's actor refuses); a deleted event type falls back to the default.
ALTER TABLE event_types ADD COLUMN schedule_id uuid;
ALTER TABLE event_types ADD FOREIGN KEY (host_id, schedule_id) REFERENCES schedules (host_id, id) ON DELETE SET NULL (schedule_id);
