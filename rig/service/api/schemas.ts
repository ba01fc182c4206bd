/**
 * Schemas shared by the API's routes: names as they may appear in paths (no separators, no
 * dot-segments, bounded length), ids, pages, and the error body. Route-specific shapes live with
 * their routes.
 */
import { Type } from '@fastify/type-provider-typebox';
import { BOARD_NAME_RE } from '../../lab/port-url.js';
import { PAGE_DEFAULT, PAGE_MAX } from './limits.js';

/** A board's, tag's or agent's name: what a lab file allows; safe in a URL path and a file name. */
export const Name = Type.String({ pattern: BOARD_NAME_RE.source, description: 'letters, digits, . _ - (not first), at most 64' });

/** A timestamp: Date in code, ISO 8601 on the wire. */
export const DateTime = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });

/** A hex string of at most `max` characters. */
export const Hex = (max: number) => Type.String({ pattern: `^([0-9a-f]{2}){0,${max / 2}}$` });

/** A release: the hex SHA-256 of its envelope. */
export const ReleaseId = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 of the envelope' });

/** A payload URI exactly as the manifest writes it: printable ASCII, no spaces, bounded. */
export const URI_PATTERN = '^[\\x21-\\x7e]{1,512}$';
export const PayloadUri = Type.String({ pattern: URI_PATTERN, description: 'the URI as the manifest names it' });

/** A numeric id in a path (tokens, events, history lines). */
export const NumericId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** `?limit=` of a listing. */
export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT, description: `page size (at most ${PAGE_MAX})` }));

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }) },
  { additionalProperties: false, description: 'what was refused and why' },
);

/** The error answers every authenticated route may give, for the API description. */
export const AUTH_ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } as const;
