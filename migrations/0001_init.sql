-- Schema v1: hosts, their event types and availability, bookings with the double-booking
-- backstop, an append-only audit trail and a notification outbox.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- True when the database's own time-zone database knows the zone (aliases included).
CREATE FUNCTION is_time_zone(zone text) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = zone) $$;

CREATE TABLE hosts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 320 AND email LIKE '%_@_%'),
  time_zone   text NOT NULL CHECK (is_time_zone(time_zone)),
  locale      text NOT NULL DEFAULT 'en' CHECK (locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_types (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  host_id                 uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  slug                    text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
  title                   text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description             text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  location                text NOT NULL DEFAULT '' CHECK (length(location) <= 500),
  duration_minutes        integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
  buffer_before_minutes   integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 1440),
  buffer_after_minutes    integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 1440),
  minimum_notice_minutes  integer NOT NULL DEFAULT 0 CHECK (minimum_notice_minutes BETWEEN 0 AND 525600),
  max_days_ahead          integer CHECK (max_days_ahead BETWEEN 1 AND 3650),
  -- NULL: slots step by the duration.
  slot_interval_minutes   integer CHECK (slot_interval_minutes BETWEEN 1 AND 1440),
  max_per_day             integer CHECK (max_per_day BETWEEN 1 AND 1000),
  questions               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(questions) = 'array'),
  active                  boolean NOT NULL DEFAULT true,
  created_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (host_id, slug),
  -- Lets bookings reference (host, event type) so a booking can never name another host's event type.
  UNIQUE (host_id, id)
);

-- Host-local wall times; end_time '24:00' is the end of the day.
CREATE TABLE availability_rules (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  host_id     uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  weekday     smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- 0 = Sunday
  start_time  time NOT NULL,
  end_time    time NOT NULL,
  CHECK (end_time > start_time)
);
CREATE INDEX availability_rules_host ON availability_rules (host_id);

-- A date override replaces that local date's weekly windows; one without windows closes the day.
CREATE TABLE date_overrides (
  host_id     uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  local_date  date NOT NULL,
  PRIMARY KEY (host_id, local_date)
);

CREATE TABLE date_override_windows (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  host_id     uuid NOT NULL,
  local_date  date NOT NULL,
  start_time  time NOT NULL,
  end_time    time NOT NULL,
  CHECK (end_time > start_time),
  FOREIGN KEY (host_id, local_date) REFERENCES date_overrides (host_id, local_date) ON DELETE CASCADE
);
CREATE INDEX date_override_windows_override ON date_override_windows (host_id, local_date);

CREATE TABLE bookings (
  id                     uuid PRIMARY KEY,
  host_id                uuid NOT NULL REFERENCES hosts (id),
  event_type_id          uuid NOT NULL,
  invitee_name           text NOT NULL CHECK (length(invitee_name) BETWEEN 1 AND 200),
  invitee_email          text NOT NULL CHECK (length(invitee_email) BETWEEN 3 AND 320),
  invitee_time_zone      text NOT NULL,
  answers                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
  start_at               timestamptz NOT NULL,
  end_at                 timestamptz NOT NULL,
  -- The event type's buffers when booked, so later edits never move existing bookings' buffers.
  buffer_before_minutes  integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes >= 0),
  buffer_after_minutes   integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes >= 0),
  status                 text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
  manage_token           text NOT NULL UNIQUE CHECK (length(manage_token) >= 22),
  idempotency_key        text UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  -- A digest of what the idempotent request asked for: the same key with other details is refused.
  request_digest         text,
  version                integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  cancelled_by           text CHECK (cancelled_by IN ('invitee', 'host')),
  cancel_reason          text CHECK (length(cancel_reason) <= 2000),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (end_at > start_at),
  CHECK ((status = 'cancelled') = (cancelled_by IS NOT NULL)),
  FOREIGN KEY (host_id, event_type_id) REFERENCES event_types (host_id, id),
  -- The backstop: no two confirmed bookings of a host overlap, whatever the application does.
  EXCLUDE USING gist (host_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) WHERE (status = 'confirmed')
);
CREATE INDEX bookings_host_end ON bookings (host_id, end_at) WHERE status = 'confirmed';

-- Append-only: every change to a booking, in the transaction that made it.
CREATE TABLE booking_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  booking_id  uuid NOT NULL REFERENCES bookings (id),
  host_id     uuid NOT NULL REFERENCES hosts (id),
  type        text NOT NULL CHECK (type IN ('created', 'cancelled', 'rescheduled')),
  actor       text NOT NULL CHECK (actor IN ('invitee', 'host', 'system')),
  data        jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_events_booking ON booking_events (booking_id);

CREATE FUNCTION booking_events_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'booking_events is append-only'; END $$;
CREATE TRIGGER booking_events_append_only
  BEFORE UPDATE OR DELETE ON booking_events
  FOR EACH ROW EXECUTE FUNCTION booking_events_append_only();

-- Notifications to send, written in the same transaction as the change they announce.
CREATE TABLE notification_outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  booking_id    uuid NOT NULL REFERENCES bookings (id),
  kind          text NOT NULL CHECK (kind IN ('booking_confirmed', 'booking_cancelled', 'booking_rescheduled')),
  recipient     text NOT NULL CHECK (recipient IN ('invitee', 'host')),
  payload       jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  available_at  timestamptz NOT NULL DEFAULT now(),
  attempts      integer NOT NULL DEFAULT 0,
  sent_at       timestamptz,
  last_error    text
);
CREATE INDEX notification_outbox_pending ON notification_outbox (available_at) WHERE sent_at IS NULL;
