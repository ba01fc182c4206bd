/**
 * The bounds of what the lab service accepts from the wire (issue 12: a hostile client gets
 * bounded time and memory). Each is named here, once, so the API description, the routes and the
 * tests agree; a request beyond one is refused (413 for sizes, 400 for counts and lengths).
 */

/** A JSON request body (status reports with a SUIT report and a boot record fit easily). */
export const JSON_BODY_LIMIT = 256 * 1024;

/** POST /releases: the envelope part. */
export const ENVELOPE_LIMIT = 1024 * 1024;
/** POST /releases: each payload part. */
export const PAYLOAD_LIMIT = 16 * 1024 * 1024;
/** POST /releases: the envelope and at most this many payloads. */
export const PAYLOADS_MAX = 16;
/** POST /releases: the whole request (envelope, payloads, multipart framing). */
export const RELEASE_BODY_LIMIT = ENVELOPE_LIMIT + 4 * PAYLOAD_LIMIT;

/** POST /runs/recorded: a command-line run's JSON report and JUnit XML (many boards, every case's steps). */
export const RUN_REPORT_LIMIT = 8 * 1024 * 1024;

/** Pages: default and largest `limit` of a listing. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 500;

/** A path parameter's length (payload URIs are the longest names). */
export const PARAM_MAX_LENGTH = 600;

/** Server-sent events: bytes waiting for one slow client before it is dropped. */
export const SSE_CLIENT_BUFFER = 1024 * 1024;
/** Server-sent events: events one stream replays before it ends (the client reconnects to go on). */
export const SSE_REPLAY_MAX = 10_000;
/** Server-sent events: live events held for one client while its replay runs. */
export const SSE_REPLAY_BACKLOG = 10_000;
/** Server-sent events: a comment line this often keeps proxies and clients from timing out. */
export const SSE_HEARTBEAT_MS = 15_000;

/** Time for a request's headers and body to arrive (a trickling client is cut off). */
export const REQUEST_TIMEOUT_MS = 60_000;

/** POST /releases: the longest the verifier may work on one release (a 16 MiB payload takes about 1 s). */
export const RELEASE_CHECK_TIMEOUT_MS = 60_000;
/** POST /releases: the heap of the thread that checks releases (the payloads, copied in, plus the core's working set). */
export const RELEASE_CHECK_HEAP_MB = 256;
