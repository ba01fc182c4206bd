/**
 * SMP (mcumgr) over serial, the public face (host/smp/README.md): the client and its groups, the
 * errors boards answer with, resets the rig can believe, uploads, framing and link settings, and
 * the board side for those who build their own SMP boards.
 */
export { SmpClient, type RequestOptions, type SmpClientOptions, type SmpRequester, type SmpResponse } from './client.js';
export { MgmtErr, OsErr, ImageErr, SmpErrorResponse, SmpGroupError, SmpMalformedError, SmpRcError, SmpTimeoutError, rcText } from './errors.js';
export { SmpProtocolError } from './fields.js';
export { GroupId, ImageCmd, OsCmd, RigCmd, SuitCmd } from './ids.js';
export { isNotSupported, MCUBOOT_MODES } from './groups/os.js';
export type { ImageSlotInfo, ImageSlotState } from './image-state.js';
export { rebootAndWait, ResetNotObservedError, waitForAnswer, type RebootOptions, type RebootResult, type ResetAction, type WaitOptions } from './reboot.js';
export { ConsoleWatch, DEFAULT_BOOT_BANNER, type ConsoleSource } from './console-watch.js';
export { CountingWitness, type ResetWitness } from './reset-witness.js';
export { BoardBusyError, UploadCancelledError, UploadError, type UploadOptions, type UploadProgress, type UploadResult } from './upload/engine.js';
export { ConsoleFraming } from './framing/console.js';
export { RawFraming } from './framing/raw.js';
export type { Framing } from './framing/framing.js';
export { DEFAULT_LINK_SETTINGS, framingFor, linkSettings, type SmpLinkSettings } from './link-settings.js';
export { SmpLink, type ConsoleText, type LinkEvent } from './link.js';
export { formatPacket } from './trace.js';
export { LOCAL_PEER, SmpServer, type SmpGroupHandler, type SmpHandler, type SmpPeer, type SmpRequestContext, type SmpServerOptions, type SmpServing } from './server/server.js';
export { UploadSessionLock } from './server/upload-session.js';
export { osGroup, type OsGroupOptions } from './server/os-group.js';
export { imageGroup } from './server/image-group.js';
export { recoveryImageGroup, recoveryOsGroup, type RecoveryOsOptions } from './server/mcuboot-recovery.js';
export type { ImageStorage } from './server/image-storage.js';
export { connectInProcess, type InProcessLink, type InProcessOptions } from './in-process.js';
