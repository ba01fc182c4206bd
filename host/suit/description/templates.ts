/**
 * The templates a suitrig description names (draft-ietf-suit-manifest-37 §7 "Creating
 * Manifests", trust-domains-11 §6.1). One compiler builds every manifest (../compile); a
 * template states the intent and is checked against the description, so that e.g. an A/B
 * description without two slots, or a secure-boot description that downloads, is an error
 * rather than a surprising manifest. Dependencies may be added to any template.
 */
import type { FieldPath } from '../../util/yaml-source.js';
import type { IssueList } from './issues.js';
import type { ComponentPlan } from './plan.js';

export const TEMPLATES = {
  'secure-boot': 'images already on the device: check vendor/class, image digest and size, then invoke (§7.1, §7.2)',
  'download-install': 'fetch each image by URI (or from the envelope) into its component, check it, invoke (§7.3-7.5)',
  'ab-slots': 'one component with two or more slots, each with its own image and URI; try-each picks the slot (§7.7)',
  'load-external': 'install into non-volatile storage, then copy into the component that runs it (§7.6)',
  'multi-image': 'two or more components, each with its own image (fetched or already present)',
  'dependencies': 'process other SUIT manifests as dependencies (trust-domains §6.1); own components optional',
} as const;

export type TemplateName = keyof typeof TEMPLATES;
export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

export interface PlacedComponent {
  plan: ComponentPlan;
  path: FieldPath;
}

/**
 * Records a problem for every way the components and dependencies do not fit the template.
 * `listed` counts the entries in the description, including any that had errors of their own
 * (so that one bad component does not also cause a misleading "needs a component").
 */
export function checkTemplate(
  template: TemplateName,
  components: PlacedComponent[],
  listed: { components: number; dependencies: number },
  issues: IssueList,
): void {
  const need = (ok: boolean, path: FieldPath, message: string) => ok || issues.add(path, `template ${template}: ${message}`);
  const complete = components.length === listed.components;
  if (template !== 'dependencies') need(listed.components > 0, ['components'], 'needs at least one component');
  for (const { plan, path } of components) {
    if (plan.slots) need(template === 'ab-slots', [...path, 'slots'], 'slots belong to the ab-slots template');
    if (plan.load) need(template === 'load-external', [...path, 'load'], 'load belongs to the load-external template');
    if (template === 'secure-boot') {
      need(!plan.source && !plan.stage, [...path, plan.stage ? 'stage' : 'uri'], 'the image is already on the device; nothing is fetched (use download-install to fetch it)');
    }
    if (template === 'download-install') {
      need(!!(plan.source || plan.stage), path, "needs 'uri' or 'integrated: true' (or a 'stage') to say where the image comes from");
    }
  }
  switch (template) {
    case 'ab-slots':
      need(listed.components === 1 && (!complete || !!components[0]!.plan.slots), ['components'], "needs exactly one component, with 'slots'");
      break;
    case 'load-external':
      need(!complete || components.some((c) => c.plan.load), ['components'], "needs a component with 'load'");
      break;
    case 'multi-image':
      need(listed.components >= 2, ['components'], 'needs two or more components');
      break;
    case 'dependencies':
      need(listed.dependencies > 0, ['dependencies'], 'needs at least one dependency');
      break;
  }
}
