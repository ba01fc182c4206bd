/**
 * What the store refuses, independent of HTTP: the API maps each kind to its status (404, 409,
 * 403, 400 for `invalid`: a request well-typed but meaning nothing sensible, e.g. a campaign whose
 * groups add up to more boards than it has); in-process callers (the agent, the campaign engine)
 * read the kind and the message.
 */
export type RefusalKind = 'not-found' | 'conflict' | 'forbidden' | 'invalid';

export class StoreRefusal extends Error {
  override name = 'StoreRefusal';
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
  }
}
