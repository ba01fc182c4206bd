/**
 * What the store refuses, independent of HTTP: the API maps each kind to its status (404, 409,
 * 403); in-process callers (the agent, the campaign engine) read the kind and the message.
 */
export type RefusalKind = 'not-found' | 'conflict' | 'forbidden';

export class StoreRefusal extends Error {
  override name = 'StoreRefusal';
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
  }
}
