/**
 * Moved to host/util/uuid.ts (UUIDs serve every layer). Kept as a re-export only for importers
 * outside this refactor's paths (rig/lab/identity.ts, rig/suites/rfc9019/fixtures.ts); delete it
 * once they import host/util/uuid.js.
 */
export { NAMESPACE_DNS, formatUuid, looksLikeUuid, parseUuid, uuid5 } from '../util/uuid.js';
