import type { ErrorCode, FlightConflict, VersionConflict } from '../domain/words.js';
import type { Reason } from '../planning/types.js';

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
    /** A stable reason code and its parameters, for pages that translate the message. */
    readonly detail?: { reason: string; params: Record<string, string | number | null> },
    /** 'infeasible': why, with codes and parameters for translated pages. */
    readonly reasons?: Reason[],
  ) {
    super(message);
  }
}

export const badRequest = (field: string, message: string) => new ServiceError('bad-request', message, field);
export const notFound = (what: string) => new ServiceError('not-found', `${what} not found`);
export const conflict = (message: string, field?: string) => new ServiceError('conflict', message, field);
export const forbidden = (message: string) => new ServiceError('forbidden', message);
/** A 409 with a stable reason code and parameters (src/domain/words.ts VersionConflict), the message in English. */
/** A refused flight command, approval step or lost-flight action (src/domain/words.ts FlightConflict). */
export const flightConflict = (reason: FlightConflict, message: string, params: Record<string, string | number | null>, field?: string) =>
  new ServiceError('conflict', message, field, undefined, { reason, params });
export const versionConflict = (reason: VersionConflict, message: string, params: Record<string, string | number | null>, field?: string) =>
  new ServiceError('conflict', message, field, undefined, { reason, params });
