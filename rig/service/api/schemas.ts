/**
 * Schemas shared by the API's routes: names as they may appear in paths (no separators, no
 * dot-segments, bounded length), ids, pages, and the error body. Route-specific shapes live with
 * their routes.
 */
import { Type } from '@fastify/type-provider-typebox';
import { PAGE_DEFAULT, PAGE_MAX } from './limits.js';

/** A board's (or agent's) name: what a lab file names it; safe in a URL path and a file name. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
export const Name = Type.String({ pattern: NAME_PATTERN, description: 'letters, digits, . _ - (not first), at most 63' });

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
