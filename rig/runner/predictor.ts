/**
 * The host's prediction of a board's decision (DESIGN.md "Data flow of one update": "host:
 * verifier.wasm pre-check (same trust anchors and device identity as the board) -> expected
 * decision"): the operator's predictUpdate (host/operator/predict.ts) with what the board is
 * known to trust and be (BoardInfo.provision) and the rollback floor it reported. Boards whose
 * trust the host does not know get no prediction.
 */
import { predictUpdate } from '../../host/operator/predict.js';
import { provisionPolicy } from '../dut/provision.js';
import type { Decision } from '../dut/types.js';
import type { Predictor } from '../suites/api.js';

export const hostPredictor: Predictor = {
  async predict({ envelope, payloads, board, storedSequence }): Promise<Decision | undefined> {
    const p = board.provision;
    if (!p || p.trust.length === 0) return undefined;
    const r = predictUpdate(envelope, provisionPolicy(p, storedSequence), payloads);
    return r.accepted ? { kind: 'accept' } : { kind: 'reject', reason: r.reason, detail: r.detail, message: r.message };
  },
};
