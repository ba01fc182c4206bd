// The dashboard's pages by URL (the service serves the page shell at the same paths:
// rig/service/dashboard/site.ts PAGE_PATHS). Parameters are decoded and checked here; a URL that
// matches nothing is "not found".

import * as fleet from './pages/fleet.js';
import * as board from './pages/board.js';
import * as campaigns from './pages/campaigns.js';
import * as campaign from './pages/campaign.js';
import * as runs from './pages/runs.js';
import * as run from './pages/run.js';
import * as releases from './pages/releases.js';
import * as release from './pages/release.js';

const ROUTES = [
  [/^\/$/, fleet],
  [/^\/boards\/([^/]{1,600})$/, board],
  [/^\/campaigns$/, campaigns],
  [/^\/campaigns\/([1-9][0-9]{0,14})$/, campaign],
  [/^\/runs$/, runs],
  [/^\/runs\/([1-9][0-9]{0,14})$/, run],
  [/^\/releases$/, releases],
  [/^\/releases\/([0-9a-f]{64})$/, release],
];

/** The page for `pathname` and its decoded parameters, or undefined. */
export function findRoute(pathname) {
  for (const [re, page] of ROUTES) {
    const m = re.exec(pathname);
    if (!m) continue;
    try {
      return { page, params: m.slice(1).map(decodeURIComponent) };
    } catch {
      return undefined; // a malformed %-escape: no such page
    }
  }
  return undefined;
}
