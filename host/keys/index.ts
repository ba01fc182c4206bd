/** Key loading and trust anchors: see load.ts and types.ts. */
export * from './types.js';
export * from './load.js';
