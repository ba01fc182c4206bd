/**
 * The dashboard as a part of `suitrig serve` (modules.ts; issue 14): its pages at `/` and the two
 * API routes it reads beyond the others' — who the token is (`GET /whoami`, to show operators
 * their buttons) and a board's console (`GET /boards/{name}/console`).
 */
import type { ServiceModule } from '../context.js';
import { consoleRoutes } from '../api/routes/console.js';
import { whoamiRoutes } from '../api/routes/whoami.js';
import { dashboardPages } from './site.js';

export const DASHBOARD_MODULE: ServiceModule = {
  name: 'dashboard',
  routes: [whoamiRoutes, consoleRoutes],
  pages: [dashboardPages],
};
