/** Keys: loading and trust anchors (load.ts, types.ts), generation (generate.ts), export as PEM/COSE_Key (export.ts), COSE_Key import (cose-key.ts), HSS-LMS stateful signing (hss.ts, hss-file.ts), payload encryption keys (encryption.ts). */
export * from './types.js';
export * from './load.js';
export * from './generate.js';
export * from './export.js';
export * from './cose-key.js';
export { HssKeyError, volatileHssKey } from './hss.js';
export { parseLevelSpec } from './lms-types.js';
export * from './encryption.js';
