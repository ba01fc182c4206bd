/** The virtual board's MCUboot-style bootloader: trailers, swap strategies, validation, counters, loader. */
export * from './trailer-io.js';
export * from './swap-type.js';
export * from './swap-status.js';
export * from './swap-misc.js';
export * from './swap-move.js';
export * from './swap-scratch.js';
export * from './validate.js';
export * from './counters.js';
export * from './loader.js';
