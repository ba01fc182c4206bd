/**
 * `/api/v1/releases` (DESIGN.md "Lab service", releases; RFC 9019 §3 firmware server).
 * POST takes multipart/form-data: a part named `envelope` first, then one part per payload named
 * by the URI the manifest fetches it from (`curl -F envelope=@app.suit -F 'file://app.bin=@app.bin'`).
 * Everything is read into memory within named bounds (limits.ts), checked by the verifier core
 * (releases/check.ts), and only then stored: a release that does not verify is refused with 422
 * and the verifier's reason, and nothing of it is stored. GET lists releases, shows one with its
 * manifest (as `suitrig inspect --json`), and serves its envelope and payload bytes (agents
 * stream them to boards).
 */
import multipart from '@fastify/multipart';
import { Type, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { RoutePlugin } from '../../context.js';
import { ReleaseChecker } from '../../releases/checker.js';
import { getRelease, listReleases, releaseEnvelope, releasePayload, sha256, storeRelease } from '../../store/releases.js';
import { ApiError } from '../errors.js';
import { ENVELOPE_LIMIT, PAGE_DEFAULT, PARAM_MAX_LENGTH, PAYLOADS_MAX, PAYLOAD_LIMIT, RELEASE_BODY_LIMIT } from '../limits.js';
import { AUTH_ERRORS, DateTime, ErrorBody, Limit, PayloadUri, ReleaseId, URI_PATTERN } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const uriRe = new RegExp(URI_PATTERN);

const Payload = Type.Object({ uri: Type.String(), size: Type.Integer(), digest: Type.String() }, closed);
const ReleaseFields = {
  id: Type.String(),
  sequence: Type.Union([Type.Integer(), Type.String()], { description: 'JSON number up to 2^53, decimal string above' }),
  size: Type.Integer({ description: "the envelope's size in bytes" }),
  signers: Type.Array(Type.String(), { description: 'roles whose signatures verified' }),
  payloads: Type.Array(Payload),
  created_at: DateTime,
};
const Release = Type.Object(ReleaseFields, closed);
const ReleaseWithManifest = Type.Object({ ...ReleaseFields, manifest: Type.Record(Type.String(), Type.Unknown()) }, closed);
const IdParams = Type.Object({ id: ReleaseId }, closed);

/** Reads one part into memory, refusing it (413) beyond `limit` bytes or the request beyond its total. */
async function readPart(stream: Readable, limit: number, what: string, total: { bytes: number }): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    n += chunk.length;
    total.bytes += chunk.length;
    if (n > limit) throw new ApiError(413, `${what} is larger than ${limit} bytes`);
    if (total.bytes > RELEASE_BODY_LIMIT) throw new ApiError(413, `the upload is larger than ${RELEASE_BODY_LIMIT} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The envelope and the payloads of a multipart upload, bounded and named as expected. */
async function readUpload(req: FastifyRequest): Promise<{ envelope: Uint8Array; payloads: Map<string, Uint8Array> }> {
  if (!req.isMultipart()) throw new ApiError(415, 'POST /releases takes multipart/form-data: a part named envelope, then one part per payload named by its URI');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > RELEASE_BODY_LIMIT) throw new ApiError(413, `the upload is larger than ${RELEASE_BODY_LIMIT} bytes`);
  let envelope: Uint8Array | undefined;
  const payloads = new Map<string, Uint8Array>();
  const total = { bytes: 0 };
  const parts = req.parts({
    // Backstops behind the checks below, which name the limit in their message.
    limits: { parts: PAYLOADS_MAX + 1, files: PAYLOADS_MAX + 1, fields: 1, fieldSize: 1024, fileSize: PAYLOAD_LIMIT + 1, fieldNameSize: PARAM_MAX_LENGTH, headerPairs: 16 },
  });
  for await (const part of parts) {
    const name = part.fieldname;
    if (part.type !== 'file') throw new ApiError(400, `part '${name.slice(0, 100)}' is not a file part: send each as a file (curl -F 'name=@file')`);
    if (envelope === undefined) {
      if (name !== 'envelope') throw new ApiError(400, `the first part must be named envelope, not '${name.slice(0, 100)}'`);
      envelope = await readPart(part.file, ENVELOPE_LIMIT, 'the envelope', total);
      continue;
    }
    if (!uriRe.test(name)) throw new ApiError(400, `part '${name.slice(0, 100)}': a payload part is named by its URI (printable ASCII, no spaces, at most 512 characters)`);
    if (payloads.has(name)) throw new ApiError(400, `two parts named '${name}'`);
    if (payloads.size >= PAYLOADS_MAX) throw new ApiError(413, `more than ${PAYLOADS_MAX} payloads`);
    payloads.set(name, await readPart(part.file, PAYLOAD_LIMIT, `payload ${name}`, total));
  }
  if (envelope === undefined) throw new ApiError(400, 'no part named envelope');
  return { envelope, payloads };
}

/** The upload's own refusals become the API's; the multipart parser's limits are named too. */
function uploadError(e: unknown): unknown {
  const code = (e as { code?: string }).code;
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT') return new ApiError(413, `more than ${PAYLOADS_MAX} payloads`);
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new ApiError(413, `a payload is larger than ${PAYLOAD_LIMIT} bytes`);
  if (code === 'FST_FIELDS_LIMIT') return new ApiError(400, 'parts must be files (curl -F name=@file)');
  if (e instanceof ApiError || (e as { statusCode?: number }).statusCode !== undefined) return e;
  // Anything else reading the parts is the parser's complaint about the body (busboy's
  // "Unexpected end of form", "Malformed part header", a missing boundary).
  return new ApiError(400, `malformed multipart body: ${(e as Error).message}`);
}

function sendBytes(reply: FastifyReply, bytes: Uint8Array) {
  return reply
    .type('application/octet-stream')
    .header('etag', `"${sha256(bytes).toString('hex')}"`)
    .header('cache-control', 'private, max-age=31536000, immutable')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export const releaseRoutes: RoutePlugin = async (app, { ctx }) => {
  const checker = new ReleaseChecker();
  app.addHook('onClose', () => checker.close());
  await app.register(multipart, { throwFileSizeLimit: true });

  app.post(
    '/releases',
    {
      config: { role: 'operator' },
      // The body schema above describes multipart parts, which are never a parsed body to validate.
      validatorCompiler: ({ schema, httpPart, method, url }) =>
        httpPart === 'body' ? () => ({ value: undefined }) : TypeBoxValidatorCompiler({ schema, httpPart, method, url } as Parameters<typeof TypeBoxValidatorCompiler>[0]),
      schema: {
        summary: 'upload a release: verified against the service trust anchors, payloads against their digests, stored only then',
        description:
          `multipart/form-data: a file part named envelope (at most ${ENVELOPE_LIMIT} bytes), then one file part per payload named by ` +
          `the URI the manifest fetches it from (at most ${PAYLOADS_MAX}, each at most ${PAYLOAD_LIMIT} bytes, ${RELEASE_BODY_LIMIT} in all).`,
        tags: ['releases'],
        consumes: ['multipart/form-data'],
        // Describes the parts for the API description; the parts are read and checked by readUpload.
        body: Type.Object(
          { envelope: Type.String({ format: 'binary', description: 'the SUIT envelope' }) },
          { additionalProperties: Type.String({ format: 'binary', description: 'a payload, the part named by its URI' }) },
        ),
        response: { 200: Release, 201: Release, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => {
      const trust = ctx.releaseTrust;
      let upload;
      try {
        if (!trust) throw new ApiError(409, 'this service has no trust anchors to verify releases against (start it with --trust)', 'no-trust-anchors');
        upload = await readUpload(req);
      } catch (e) {
        // Whatever of the request is still unread is not worth reading: close after answering.
        reply.header('connection', 'close');
        throw uploadError(e);
      }
      const check = await checker.check(upload.envelope, upload.payloads, trust);
      if (!check.ok) {
        if (check.trapStack) req.log.error({ trap: check.trapStack }, 'verifier core trap on an uploaded envelope');
        throw new ApiError(422, check.message, check.code);
      }
      const stored = await storeRelease(ctx.db, {
        envelope: upload.envelope,
        payloads: upload.payloads,
        sequence: check.sequence,
        signers: check.signers,
        summary: check.summary,
        createdBy: req.auth?.id ?? null,
      });
      const { manifest: _manifest, ...release } = await getRelease(ctx.db, stored.id);
      return reply.status(stored.created ? 201 : 200).send(release);
    },
  );

  app.get(
    '/releases',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'releases, newest first',
        tags: ['releases'],
        querystring: Type.Object({ before: Type.Optional(ReleaseId), limit: Limit }, closed),
        response: { 200: Type.Object({ releases: Type.Array(Release), next: Type.Union([Type.String(), Type.Null()]) }, closed), ...AUTH_ERRORS },
      },
    },
    async (req) => listReleases(ctx.db, { ...(req.query.before ? { before: req.query.before } : {}), limit: req.query.limit ?? PAGE_DEFAULT }),
  );

  app.get(
    '/releases/:id',
    { config: { role: 'viewer' }, schema: { summary: 'one release, with its manifest as suitrig inspect --json shows it', tags: ['releases'], params: IdParams, response: { 200: ReleaseWithManifest, 404: ErrorBody, ...AUTH_ERRORS } } },
    async (req) => getRelease(ctx.db, req.params.id),
  );

  app.get(
    '/releases/:id/envelope',
    { config: { role: 'viewer' }, schema: { summary: "the release's envelope (bytes)", tags: ['releases'], params: IdParams, response: { 404: ErrorBody, ...AUTH_ERRORS } } },
    async (req, reply) => sendBytes(reply, await releaseEnvelope(ctx.db, req.params.id)),
  );

  app.get(
    '/releases/:id/payloads/:uri',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'the bytes of a payload, by the URI the manifest fetches it from (percent-encoded)',
        tags: ['releases'],
        params: Type.Object({ id: ReleaseId, uri: PayloadUri }, closed),
        response: { 404: ErrorBody, ...AUTH_ERRORS },
      },
    },
    async (req, reply) => sendBytes(reply, await releasePayload(ctx.db, req.params.id, req.params.uri)),
  );
};
