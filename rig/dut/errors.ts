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
