/**
 * One error shape for every answer of the lab service's API: `{"error": {"code", "message"}}`
 * with the HTTP status. Route code throws ApiError for what it refuses; the framework's own
 * refusals (validation, body too large, bad content type, malformed JSON) are mapped to the same
 * shape; anything else is a bug, logged here and answered 500 `internal` with no detail, so a
 * stack trace or an SQL message never reaches a client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StoreRefusal } from '../store/errors.js';

/** The statuses the API answers with on purpose, and their codes. */
export const ERROR_CODES = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  411: 'length-required',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  431: 'headers-too-large',
  503: 'unavailable',
} as const;

export type ErrorStatus = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: string; message: string };
}

/** A refusal a route means: its status, a code a script can test, a message for people. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ErrorStatus,
    message: string,
    readonly code: string = ERROR_CODES[status],
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

function isKnownStatus(s: unknown): s is ErrorStatus {
  return typeof s === 'number' && s in ERROR_CODES;
}

/** A request-validation message: which part, which field, what is wrong (fastify + TypeBox). */
function validationMessage(e: FastifyError): string {
  const part = e.validationContext ?? 'request';
  const first = e.validation?.[0] as { instancePath?: string; message?: string; params?: Record<string, unknown> } | undefined;
  if (!first) return `${part}: ${e.message}`;
  const where = first.instancePath ? `${part}${first.instancePath.replace(/\//g, '.')}` : part;
  // A closed object's extra property fails its `false` schema (TypeBox reports it at the property).
  if (first.message === 'schema is false' && first.instancePath) {
    const segments = first.instancePath.split('/');
    const parent = segments.slice(0, -1).join('.');
    return `${part}${parent}: unknown field '${segments.at(-1)}'`;
  }
  return `${where}: ${first.message ?? 'is invalid'}`;
}

/**
 * A request refused before its body was read (no token, too large, wrong type) may still be
 * sending one: past DRAIN_LIMIT (or of unknown length) the connection is closed after the answer
 * rather than reading a body nobody wants. A small body is read and dropped instead, so that the
 * client, still writing it, reads the answer rather than a broken pipe (seen on Node 24: a viewer's
 * 5 KB release upload got EPIPE instead of 403).
 */
const DRAIN_LIMIT = 64 * 1024;

function closeIfBodyUnread(req: FastifyRequest, reply: FastifyReply, status: number): void {
  const sending = Number(req.headers['content-length'] ?? 0) > DRAIN_LIMIT || req.headers['transfer-encoding'] !== undefined;
  if (sending && [401, 403, 413, 415].includes(status)) reply.header('connection', 'close');
}

export function errorHandler(err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply): void {
  closeIfBodyUnread(req, reply, err instanceof ApiError ? err.status : ((err as FastifyError).statusCode ?? 500));
  if (err instanceof ApiError) {
    if (err.status === 401) reply.header('www-authenticate', 'Bearer');
    void reply.status(err.status).send(errorBody(err.code, err.message));
    return;
  }
  if (err instanceof StoreRefusal) {
    const status = ({ 'not-found': 404, conflict: 409, forbidden: 403, invalid: 400 } as const)[err.kind];
    void reply.status(status).send(errorBody(err.kind === 'invalid' ? ERROR_CODES[400] : err.kind, err.message));
    return;
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    void reply.status(400).send(errorBody('invalid-request', validationMessage(fe)));
    return;
  }
  // The framework's and its plugins' own 4xx (body too large, malformed JSON, bad content type,
  // too many multipart parts): their messages say what is wrong and carry no internals.
  const status = fe.statusCode;
  if (isKnownStatus(status) && status < 500) {
    void reply.status(status).send(errorBody(ERROR_CODES[status], fe.message));
    return;
  }
  req.log.error({ err }, 'internal error');
  void reply.status(500).send(errorBody('internal', 'internal error'));
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send(errorBody('not-found', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`));
}
