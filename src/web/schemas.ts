/**
 * JSON schemas shared by the routes (fastify validates with ajv; failures become 400 naming the
 * field). Unknown fields are refused (additionalProperties: false), types are not coerced.
 */
export const idParam = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,9}$', description: 'numeric id' } },
} as const;

export const droneIdParam = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' } },
} as const;

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' }, issues: { type: 'array' } },
    },
  },
} as const;

export const latLon = {
  type: 'object',
  required: ['lat', 'lon'],
  additionalProperties: false,
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
} as const;

/** Free text may hold tabs and line breaks, but no other control characters (NUL, escapes, …). */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

const text = (min: number, max: number, description?: string) =>
  ({ type: 'string', minLength: min, maxLength: max, pattern: NO_CONTROL_CHARACTERS, ...(description ? { description } : {}) }) as const;

const requestProps = {
  recipient: text(1, 100),
  phone: { type: 'string', pattern: '^[0-9 +()-]{5,32}$', description: 'digits, spaces, + - ( )' },
  dropPoint: {
    type: 'object',
    description: 'a named drop point ({name}) or coordinates ({lat, lon})',
    additionalProperties: false,
    minProperties: 1,
    properties: { name: text(1, 100), lat: latLon.properties.lat, lon: latLon.properties.lon },
  },
  medicine: text(1, 200),
  weightKg: { type: 'number', exclusiveMinimum: 0, maximum: 25 },
  urgency: { type: 'string', enum: ['critical', 'urgent', 'routine'] },
  notes: text(0, 1000),
} as const;

export const dropRequestBody = {
  type: 'object',
  required: ['recipient', 'phone', 'dropPoint', 'medicine', 'weightKg', 'urgency'],
  additionalProperties: false,
  properties: requestProps,
} as const;

export const dropRequestPatch = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: requestProps,
} as const;

export const ok = (description: string) => ({ description, type: 'object', additionalProperties: true }) as const;
