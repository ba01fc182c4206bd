/** MCUboot images: format, creation as imgtool does it, verification as MCUboot does it, description. */
export * from './format.js';
export * from './trailer.js';
export * from './create.js';
export * from './verify.js';
export * from './describe.js';
export * from './reversion.js';
