/**
 * The API's request schemas are closed (issue 12: unknown fields are refused, not ignored): every
 * object a request may carry — body, query string, path parameters — must say what it accepts
 * besides its declared properties (`additionalProperties: false`, or a schema for a deliberate
 * map). A route whose schema leaves that open is refused when it is registered, so a new route
 * cannot quietly accept and drop what a client sent.
 */

type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Paths (e.g. `body.status.slots[]`) of objects in `schema` that leave extra properties open. */
export function openObjects(schema: unknown, path: string, out: string[] = []): string[] {
  if (!isObj(schema)) return out;
  const isObjectSchema = schema.type === 'object' || isObj(schema.properties);
  if (isObjectSchema && !('additionalProperties' in schema) && !('patternProperties' in schema)) out.push(path);
  if (isObj(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) openObjects(v, `${path}.${k}`, out);
  }
  if (isObj(schema.additionalProperties)) openObjects(schema.additionalProperties, `${path}.*`, out);
  if (isObj(schema.items)) openObjects(schema.items, `${path}[]`, out);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[k];
    if (Array.isArray(list)) list.forEach((s, i) => openObjects(s, `${path}.${k}[${i}]`, out));
  }
  return out;
}

/** Throws naming the route and the open objects of its request schemas. */
export function assertClosedSchemas(route: { method: string | string[]; url: string; schema?: unknown }): void {
  const schema = isObj(route.schema) ? route.schema : {};
  const open = (['body', 'querystring', 'params'] as const).flatMap((part) => openObjects(schema[part], part));
  if (open.length > 0) {
    throw new Error(
      `route ${String(route.method)} ${route.url}: request schema objects without additionalProperties: ${open.join(', ')} ` +
        '(declare additionalProperties: false, or a schema for a deliberate map)',
    );
  }
}
