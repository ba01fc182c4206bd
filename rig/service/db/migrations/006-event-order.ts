/**
 * Schema 6: event ids in commit order (DESIGN.md "Lab service": `GET /events` replays after a
 * client's Last-Event-ID). An id drawn when the event is inserted orders events by when their
 * transactions wrote them, not by when those committed: with several transactions at once (one
 * server, several service processes) event 8 can commit after event 9, and a client that got 9
 * and reconnected with Last-Event-ID 9 before 8 committed would never see 8.
 *
 * So an event is inserted with a provisional (negative) id, and its real id is drawn by a trigger
 * deferred to the end of its transaction, under a lock held until that transaction has
 * committed: ids are handed out in commit order, and whoever sees id n committed also sees every
 * smaller id that will ever commit. The trigger also sends the notification (its payload the real
 * id). The cost: transactions that record events commit one at a time (the lock covers only
 * their commit, after all their other work).
 */
import type { Migration } from '../migrations.js';

export const EVENT_ORDER: Migration = {
  version: 6,
  name: 'event ids in commit order',
  sql: `
CREATE SEQUENCE events_provisional;
ALTER TABLE events ALTER COLUMN id SET DEFAULT -nextval('events_provisional');

CREATE FUNCTION suitrig_number_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  -- Held until this transaction has committed (and is visible): the next one draws after it.
  PERFORM pg_advisory_xact_lock(hashtextextended('suitrig-event-order', 0));
  n := nextval('events_id_seq');
  UPDATE events SET id = n WHERE id = NEW.id;
  PERFORM pg_notify('suitrig_events', n::text);
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER events_numbered_at_commit AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION suitrig_number_event();
`,
};
