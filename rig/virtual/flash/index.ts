/** The flash model of the virtual board: geometry, the simulated part, areas, persistence. */
export * from './errors.js';
export * from './geometry.js';
export * from './timing.js';
export * from './sim-flash.js';
export * from './area.js';
export * from './persist.js';
export * from './program.js';
