/** The benchmark sections `npm run bench` runs, in order. Add a section with one line. */
import type { BenchSection } from '../section.js';

export const sections: readonly BenchSection[] = [];
