import type { Json, JsonObject } from '../models/index.js';

/** Config keys that hold secrets: stored, used by adapters, never returned. */
const SECRET_KEY = /(token|password|passwd|secret|api[-_]?key|credential)/i;

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

/** `scheme://user:pass@host` -> the userinfo part; the same rule redacts stored values and error messages. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
export const REDACTED_CREDENTIALS = '***@';

/** A text with the credentials of every URL in it replaced by `***`. */
export const redactUrls = (text: string): string => text.replace(URL_CREDENTIALS, `$1${REDACTED_CREDENTIALS}`);

/**
 * A config as callers may see it: secret-looking keys removed at any depth (their dotted paths listed in
 * `secretKeys`), and credentials inside URL strings masked.
 */
export function redactConfig(config: JsonObject | null | undefined): { config: JsonObject; secretKeys: string[] } {
  const secretKeys: string[] = [];
  const visit = (value: Json, path: string): Json => {
    if (typeof value === 'string') return redactUrls(value);
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${path}${i}.`));
    if (value === null || typeof value !== 'object') return value;
    const shown: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      if (isSecretKey(key)) {
        if (child !== null && child !== '') secretKeys.push(`${path}${key}`);
      } else {
        Object.defineProperty(shown, key, {
          value: visit(child, `${path}${key}.`),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return shown;
  };
  return { config: visit(config ?? {}, '') as JsonObject, secretKeys: secretKeys.sort() };
}

/**
 * The config to store on update: the new non-secret settings, and each secret either as resent,
 * removed when resent as null, or kept as it was when the caller did not mention it. A URL resent
 * exactly as it was shown (credentials masked) keeps its stored credentials.
 */
export function mergeConfig(current: JsonObject | null, next: JsonObject): JsonObject {
  const merged: JsonObject = {};
  for (const [key, value] of Object.entries(current ?? {})) if (isSecretKey(key)) merged[key] = value;
  for (const [key, value] of Object.entries(next) as Array<[string, Json]>) {
    const stored = current?.[key];
    if (isSecretKey(key) && value === null) delete merged[key];
    else if (typeof value === 'string' && typeof stored === 'string' && value !== stored && redactUrls(stored) === value)
      merged[key] = stored;
    else merged[key] = value;
  }
  return merged;
}
