/**
 * Typed failures of a DUT, so the runner can tell "the board did something else than the case
 * expected" (a failed case) from "the board is gone" (the case errors, the board's remaining
 * cases are not run, the other boards go on).
 */

/** The board stopped answering (link silent past its deadline, port vanished, process died). */
export class DutUnresponsiveError extends Error {
  override name = 'DutUnresponsiveError';
}

/**
 * The board cannot do this at all (e.g. power cut without power control); cases should declare
 * needs instead, and where only the board can tell (it answers "not supported" when asked), the
 * runner reports the case not applicable with this reason.
 */
export class DutUnsupportedError extends Error {
  override name = 'DutUnsupportedError';
}

/** What a board lacks, in DutUnsupportedError's words: `has no power control (lab power: on/off commands)`. */
const LACKS = {
  update: 'takes no updates: it has neither the SUIT group nor the image group',
  image: 'has no image group (MCUboot image upload)',
  power: 'has no power control (lab power: on/off commands)',
  faults: 'takes no armed faults (virtual boards do, through rig group 67)',
} as const;

/** The protocol when the board has it; else DutUnsupportedError saying what board `name` lacks. */
export function required<P>(protocol: P | undefined, name: string, lacks: keyof typeof LACKS): P {
  if (protocol === undefined) throw new DutUnsupportedError(`board ${name} ${LACKS[lacks]}`);
  return protocol;
}
