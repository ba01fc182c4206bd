/**
 * The device operator of RFC 9019, the public face: read what a board has, predict its decision
 * with the verifier core, run one update (SUIT boards, and host-verified for boards without the
 * SUIT group), read SUIT reports, and tell where a board is and what its bootloader boots.
 */
export { readBoardState, optional, type BoardState } from './board-state.js';
export { predictUpdate, type Prediction } from './predict.js';
export { runUpdate, deliverEnvelope, supplyPayloads, readDecision, predictFor } from './update.js';
export { MissingPayloadError, UpdateError, resetAndWait, type UpdateEvent, type UpdateOptions, type UpdateOutcome, type UpdateResultKind, type UpdateSession } from './session.js';
export { HostVerifiedUpdate, HOST_DECIDED, mcubootImageHash } from './host-verified.js';
export { decodeSuitReport, reportSummary, ReportFormatError, type DecodedReport, type Capabilities } from './suit-report.js';
export { protectReport, openProtectedReport, type OpenedReport } from './report-protection.js';
export { whereIsBoard, RUN_STATE_TEXT, type RunState, type Whereabouts } from './run-state.js';
