/**
 * Directives with an effect on a component (draft-ietf-suit-manifest-37 §8.4.10.5-8.4.10.9,
 * trust-domains-11 §6.6 unlink, update-management-14 §5.6 wait): write, copy, swap, invoke,
 * unlink, wait, each through the platform imports; write and copy with encryption-info decrypt
 * (draft-ietf-suit-firmware-encryption §4.1-4.2, decrypt.ts). Returns PASS, NOT_EVALUATED (dry
 * run), INVOKED (an invoke handed control off) or -detail (the run aborts, §6.4).
 */
import { DIGEST_TMP } from './layout';
import * as cbor from './cbor';
import * as c from './codes';
import * as k from './commands';
import { sha256 } from './sha256';
import * as p from './platform';
import * as prm from './params';
import { validIndex } from './manifest';
import { PASS, NOT_EVALUATED, dry, setProps, orderAllows } from './context';
import { handle, markWritten, cacheDigest } from './components';
import { decryptWrite, decryptCopy } from './decrypt';

export const INVOKED: i32 = 12;

function write(lvl: i32, ci: i32, h: i32): i32 {
  if (!orderAllows(ci, -1)) return -c.D_STRICT_ORDER;
  if (!prm.paramBytes(lvl, ci, k.P_CONTENT, cbor.MT_BSTR)) return -c.D_PARAM_MISSING;
  const cp = cbor.vPtr;
  const cn = cbor.vLen;
  markWritten(h);
  if (prm.hasParam(lvl, ci, k.P_ENCRYPTION_INFO)) return decryptWrite(lvl, ci, h, cp, cn);
  if (p.pErase(h) != 0) return -c.D_WRITE;
  if (cn > 0 && p.pWrite(h, 0, cp, cn) != 0) return -c.D_WRITE;
  if (p.pFinish(h, <u64>cn) != 0) return -c.D_WRITE;
  sha256(cp, cn, DIGEST_TMP);
  cacheDigest(lvl, ci, <u64>cn, DIGEST_TMP);
  return PASS;
}

/** copy / swap with suit-parameter-source-component. */
function transfer(lvl: i32, cmd: i32, ci: i32, h: i32): i32 {
  if (!prm.paramInt(lvl, ci, k.P_SOURCE)) return -c.D_PARAM_MISSING;
  const src = cbor.vInt;
  if (src < 0 || !validIndex(lvl, <u64>src)) return -c.D_INDEX_RANGE;
  const hs = handle(lvl, <i32>src);
  if (hs < 0) return -c.D_COMPONENT;
  if (!orderAllows(ci, <i32>src) || (cmd == k.D_SWAP && !orderAllows(<i32>src, ci))) return -c.D_STRICT_ORDER;
  markWritten(h);
  if (cmd == k.D_SWAP) {
    markWritten(hs);
    return p.pSwap(h, hs) == 0 ? PASS : -c.D_SWAP;
  }
  if (prm.hasParam(lvl, ci, k.P_ENCRYPTION_INFO)) return decryptCopy(lvl, ci, h, hs);
  return p.pCopy(h, hs) == 0 ? PASS : -c.D_COPY;
}

/** An optional bstr parameter as (ptr, len) for a platform call; (0, 0) when unset. */
let optPtr: u32 = 0;
let optLen: u32 = 0;
function optionalBytes(lvl: i32, ci: i32, key: i32): void {
  optPtr = 0;
  optLen = 0;
  if (prm.paramBytes(lvl, ci, key, cbor.MT_BSTR)) {
    optPtr = cbor.vPtr;
    optLen = cbor.vLen;
  }
}

export function directive(lvl: i32, cmd: i32, ci: i32): i32 {
  setProps(0);
  if (dry) return NOT_EVALUATED;
  const h = handle(lvl, ci);
  if (h < 0) return -c.D_COMPONENT;
  switch (cmd) {
    case k.D_WRITE: return write(lvl, ci, h);
    case k.D_COPY:
    case k.D_SWAP: return transfer(lvl, cmd, ci, h);
    case k.D_INVOKE: {
      optionalBytes(lvl, ci, k.P_INVOKE_ARGS);
      const r = p.pInvoke(h, optPtr, optLen);
      if (r == 1) return INVOKED;
      return r == 0 ? PASS : -c.D_INVOKE;
    }
    case k.D_UNLINK:
      return p.pUnlink(h) == 0 ? PASS : -c.D_UNLINK;
    case k.D_WAIT:
      optionalBytes(lvl, ci, k.P_WAIT_INFO);
      return p.pWait(h, optPtr, optLen) == 0 ? PASS : -c.D_WAIT;
  }
  return -c.D_UNKNOWN_COMMAND;
}
