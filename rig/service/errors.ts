/**
 * Errors the lab service answers with a status code and a JSON error naming the problem
 * (issue 12: bad input gets 4xx with a clear message, never a 500): a request that is well-typed
 * but means nothing sensible (400), something that does not exist (404), a request that conflicts
 * with the state of things (409).
 */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ServiceError => new ServiceError(400, message);
export const notFound = (message: string): ServiceError => new ServiceError(404, message);
export const conflict = (message: string): ServiceError => new ServiceError(409, message);
