import { SuperJSON } from 'superjson';

/**
 * The wire format shared by the server and the SDK: superjson, plus one custom type so that JSON
 * objects with a key named `__proto__`, `constructor` or `prototype` (legal JSON, e.g. in a stored
 * `externalIds` or a Plex `raw` payload) travel intact. Plain superjson refuses to serialize such
 * objects, which would make every read of a stored row fail.
 *
 * Such an object is sent as its list of `[key, value]` entries (values still go through superjson,
 * so Dates inside keep their type) and rebuilt on the other side with own properties only: a key
 * named `__proto__` becomes a plain data property, never the object's prototype.
 */
const RISKY_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const hasRiskyKey = (value: unknown): value is Record<string, unknown> =>
  isPlainObject(value) && RISKY_KEYS.some((key) => Object.prototype.hasOwnProperty.call(value, key));

function fromEntries(entries: unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  if (!Array.isArray(entries)) return object;
  for (const entry of entries) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
    // defineProperty: assigning `object['__proto__'] = x` would replace the prototype instead.
    Object.defineProperty(object, entry[0], { value: entry[1], enumerable: true, writable: true, configurable: true });
  }
  return object;
}

export const transformer = new SuperJSON();
/** superjson's JSONValue (not exported by name): what a custom serializer may return. */
type JSONValue = Parameters<typeof transformer.registerCustom>[0] extends { serialize: (v: never) => infer O } ? O : never;
transformer.registerCustom<Record<string, unknown>, JSONValue>(
  {
    isApplicable: hasRiskyKey,
    // The entries are walked by superjson afterwards, so the JSONValue cast only names the wire shape.
    serialize: (value) => Object.entries(value) as JSONValue,
    deserialize: (entries) => fromEntries(entries),
  },
  'rv-object',
);
