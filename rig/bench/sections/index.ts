/** The benchmark sections `npm run bench` runs, in order. Add a section with one line. */
import type { BenchSection } from '../section.js';
import { sha256Section } from './sha256.js';
import { decryptSection } from './decrypt.js';
import { verifySection } from './verify.js';
import { hssLmsSection } from './hss-lms.js';
import { uploadSection } from './upload.js';
import { updateSection } from './update.js';
import { suiteParallelSection } from './suite-parallel.js';
import { firmwareSection } from './firmware.js';
import { campaignSection } from './campaign.js';
import { agentsSection } from './agents.js';

export const sections: readonly BenchSection[] = [
  sha256Section,
  decryptSection,
  verifySection,
  hssLmsSection,
  uploadSection,
  updateSection,
  firmwareSection,
  suiteParallelSection,
  campaignSection,
  agentsSection,
];
