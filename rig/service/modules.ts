/**
 * The parts of the lab service `suitrig serve` runs: each brings its route plugins (under
 * /api/v1) and, optionally, something started with the service (DESIGN.md "Lab service"). One
 * line per part; order is start order (stopped in reverse).
 */
import type { ServiceModule } from './context.js';
import { eventRoutes } from './events/stream.js';
import { tokenRoutes } from './api/routes/tokens.js';
import { boardRoutes } from './api/routes/boards.js';
import { releaseRoutes } from './api/routes/releases.js';
import { reservationRoutes } from './api/routes/reservations.js';
import { WORK_MODULE } from './work-module.js';
import { DASHBOARD_MODULE } from './dashboard/module.js';

export const SERVICE_MODULES: readonly ServiceModule[] = [
  { name: 'events', routes: [eventRoutes] },
  { name: 'tokens', routes: [tokenRoutes] },
  { name: 'boards', routes: [boardRoutes] },
  { name: 'releases', routes: [releaseRoutes] },
  { name: 'reservations', routes: [reservationRoutes] },
  WORK_MODULE,
  DASHBOARD_MODULE,
];
