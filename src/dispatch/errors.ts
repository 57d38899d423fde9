import type { ErrorCode } from '../domain/words.js';

/**
 * A refused operation, with the API error code it maps to (bad-request → 400, forbidden → 403,
 * not-found → 404, conflict → 409 …) and the field at fault when there is one.
 */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly issues?: { code: string; message: string; featureIndex?: number; featureName?: string; params?: Record<string, string | number> }[],
  ) {
    super(message);
  }
}

export const badRequest = (field: string, message: string) => new ServiceError('bad-request', message, field);
export const notFound = (what: string) => new ServiceError('not-found', `${what} not found`);
export const conflict = (message: string, field?: string) => new ServiceError('conflict', message, field);
export const forbidden = (message: string) => new ServiceError('forbidden', message);
