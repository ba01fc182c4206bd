/**
 * Schema 4: board reservations as leases (DESIGN.md "Lab service": `POST /boards/{name}/reservations`;
 * issue 13). The table is schema 1's; a lease gets an id of its own, so a holder whose lease ran
 * out and was taken by someone else cannot renew or release the newcomer's lease by naming the
 * board alone.
 */
import type { Migration } from '../migrations.js';

export const RESERVATIONS: Migration = {
  version: 4,
  name: 'reservation lease ids',
  sql: `
ALTER TABLE reservations ADD COLUMN id text NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text);
ALTER TABLE reservations ALTER COLUMN id DROP DEFAULT;
CREATE UNIQUE INDEX reservations_id ON reservations (id);
CREATE INDEX reservations_expires ON reservations (expires_at);
`,
};
