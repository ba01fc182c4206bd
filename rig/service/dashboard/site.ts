/**
 * The lab dashboard's HTTP side (issue 14; DESIGN.md "Lab service": dashboard at `/`): one page
 * shell — no data in it, only the log-in form and the client's modules — at every page URL the
 * dashboard has (the client reads the URL and draws that page from the API, with the token the
 * user logged in with), and the client's files under /ui/ from the allow-list of assets.ts.
 *
 * These routes are public: they hold nothing but code, and everything the pages show comes from
 * /api/v1 with a token. Every answer carries a Content-Security-Policy that lets the page run
 * only its own scripts and styles, talk only to its own origin, and — with Trusted Types
 * required — never turn a string into markup (the client builds every node with textContent), so
 * data from the API (a board name with HTML in it) is never parsed as HTML.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoutePlugin } from '../context.js';
import { ApiError } from '../api/errors.js';
import { ASSET_PREFIX, loadAssets, type Asset } from './assets.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const Text = Type.Optional(Type.String({ maxLength: 200 }));
/** The fleet page keeps its filters and sort order in its URL, so a filtered view is a link. */
const FleetQuery = Type.Object({ tag: Text, state: Text, sort: Text, order: Text }, { additionalProperties: false });

/** Page URLs (the client's router knows the same list: client/routes.js). */
export const PAGE_PATHS = ['/boards/:name', '/campaigns', '/campaigns/:id', '/runs', '/runs/:id', '/releases', '/releases/:id'] as const;

function send(req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string): FastifyReply {
  void reply.header('etag', a.etag).header('cache-control', cache);
  if (req.headers['if-none-match'] === a.etag) return reply.status(304).send();
  return reply.type(a.type).send(a.body);
}

export const dashboardPages: RoutePlugin = async (app) => {
  const { assets, shell } = loadAssets();
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    return payload;
  });
  // The shell is checked again on every load (no-cache), so a new version of the service is
  // picked up at once; nothing in it is secret, but a shared cache should not keep it either.
  const page = { config: { role: 'public' as const }, schema: { hide: true } };
  const page$ = async (req: FastifyRequest, reply: FastifyReply) => send(req, reply, shell, 'no-cache, private');
  app.get('/', { ...page, schema: { ...page.schema, querystring: FleetQuery } }, page$);
  for (const path of PAGE_PATHS) app.get(path, page, page$);
  app.get(`${ASSET_PREFIX}*`, page, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const a = assets.get(path);
    if (!a) throw new ApiError(404, `no dashboard file ${path.slice(0, 200)}`);
    return send(req, reply, a, 'no-cache');
  });
};
