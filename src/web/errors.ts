/**
 * One error shape for every failure: { error: { code, message, field? } }. Schema failures name the
 * field (dotted path) and the reason; service refusals keep their code; anything unexpected is a 500
 * whose details stay in the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceError } from '../dispatch/errors.js';
import type { ApiError, ErrorCode, TextRule } from './api-types.js';
import { TextRefusal } from './json-body.js';
import { NO_CONTROL_CHARACTERS, NOT_BLANK_TEXT, PHONE_PATTERN } from './schema-kit.js';
import { VALIDATION_KEYWORDS, type ValidationKeyword } from '../domain/words.js';

const STATUS: Record<ErrorCode, number> = {
  'bad-request': 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  'not-found': 404,
  conflict: 409,
  infeasible: 422,
  'rate-limited': 429,
  internal: 500,
};

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  field?: string,
  issues?: ApiError['error']['issues'],
  extra?: {
    reason?: string;
    params?: Record<string, string | number | null>;
    rule?: TextRule;
    reasons?: ApiError['error']['reasons'];
    validation?: ValidationDetail;
  },
): FastifyReply {
  const body: ApiError = { error: { code, message, ...(field ? { field } : {}), ...(issues ? { issues } : {}), ...(extra ?? {}) } };
  return reply.code(STATUS[code]).type('application/json').send(body);
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** '/dropPoint/lat' → 'dropPoint.lat', '/features/3/properties' → 'features[3].properties'. */
export function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** Which schema rule broke, on which field, with its limit: pages say it in their language (`validation.<keyword>`). */
export interface ValidationDetail {
  keyword: ValidationKeyword;
  field: string;
  /** minLength/maxLength/minItems/maxItems/minimum/maximum …: the number; enum: the allowed values ("a, b"); type: the JSON type. */
  limit?: string | number;
}

const KNOWN_KEYWORDS = new Set<string>(VALIDATION_KEYWORDS);

export function validationToError(err: FastifyError & { validation?: AjvError[]; validationContext?: string }): {
  field: string;
  message: string;
  rule?: TextRule;
  validation?: ValidationDetail;
} {
  const first = err.validation?.[0];
  const context = err.validationContext ?? 'body';
  if (!first) return { field: context, message: err.message };
  let field = pointerToField(first.instancePath ?? '');
  const params = first.params ?? {};
  const keyword = (first.keyword && KNOWN_KEYWORDS.has(first.keyword) ? first.keyword : 'invalid') as ValidationKeyword;
  if (first.keyword === 'required' && typeof params.missingProperty === 'string') {
    field = field ? `${field}.${params.missingProperty}` : params.missingProperty;
    return { field, message: `${field} is required`, validation: { keyword, field } };
  }
  if (first.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    field = field ? `${field}.${params.additionalProperty}` : params.additionalProperty;
    return { field, message: `${field} is not a known field`, validation: { keyword, field } };
  }
  if (!field) field = context;
  if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    const allowed = params.allowedValues.map((v) => String(v)).join(', ');
    return {
      field,
      message: `${field} must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      validation: { keyword, field, limit: allowed },
    };
  }
  if (first.keyword === 'pattern' && params.pattern === NO_CONTROL_CHARACTERS) {
    return { field, message: `${field} must not contain control characters (only text, tabs and line breaks)`, rule: 'control-characters' };
  }
  if (first.keyword === 'pattern' && params.pattern === NOT_BLANK_TEXT) {
    return { field, message: `${field} must not be blank (spaces only) and must not contain control characters`, rule: 'blank' };
  }
  if (first.keyword === 'pattern' && params.pattern === PHONE_PATTERN) {
    return { field, message: `${field} must be a phone number: 5–32 digits, spaces, + - ( ), with at least 3 digits`, rule: 'phone' };
  }
  // ajv names the limit `limit` (minLength, minimum, minItems …), the type `type`, the format `format`
  const limit =
    typeof params.limit === 'number' || typeof params.limit === 'string'
      ? params.limit
      : typeof params.type === 'string'
        ? params.type
        : typeof params.format === 'string'
          ? params.format
          : undefined;
  return { field, message: `${field} ${first.message ?? 'is invalid'}`, validation: { keyword, field, ...(limit !== undefined ? { limit } : {}) } };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { validation?: AjvError[]; validationContext?: string }, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ServiceError)
      return sendError(reply, err.code, err.message, err.field, err.issues, {
        ...err.detail,
        ...(err instanceof TextRefusal ? { rule: err.rule } : {}),
        ...(err.reasons ? { reasons: err.reasons } : {}),
      });
    if (err.validation) {
      const { field, message, rule, validation } = validationToError(err);
      return sendError(reply, 'bad-request', message, field, undefined, rule ? { rule } : validation ? { validation } : undefined);
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return sendError(reply, 'rate-limited', 'too many attempts; wait and try again');
    if (status === 413) return sendError(reply, 'bad-request', 'request body too large', 'body');
    if (status === 415) return sendError(reply, 'bad-request', 'content-type must be application/json', 'content-type');
    if (status >= 400 && status < 500) {
      // fastify's own client errors: malformed JSON body, empty body with a JSON content type …
      return sendError(reply, 'bad-request', err.message, 'body');
    }
    req.log.error({ err }, 'unhandled error');
    return sendError(reply, 'internal', 'internal error; see the service log');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 'not-found', `no route ${req.method} ${req.url.split('?')[0]}`));
}
