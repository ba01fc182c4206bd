/** Keys: loading and trust anchors (load.ts, types.ts), generation (generate.ts), export as PEM/COSE_Key (export.ts), COSE_Key import (cose-key.ts). */
export * from './types.js';
export * from './load.js';
export * from './generate.js';
export * from './export.js';
export * from './cose-key.js';
