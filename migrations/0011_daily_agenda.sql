-- A host may ask for their day's meetings by mail each morning: at this hour of their zone.
ALTER TABLE hosts ADD COLUMN agenda_hour smallint CHECK (agenda_hour BETWEEN 0 AND 23);
-- The host-local date the last agenda went out for: a day's agenda is claimed (and sent) once.
ALTER TABLE hosts ADD COLUMN agenda_sent_on date;
