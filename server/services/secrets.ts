import type { Json, JsonObject } from '../models/index.js';

/** Config keys that hold secrets: stored, used by adapters, never returned. */
const SECRET_KEY = /(token|password|passwd|secret|api[-_]?key|credential)/i;

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

/** Splits a config into what may be shown and the names of the secrets it holds (top-level keys). */
export function redactConfig(config: JsonObject | null | undefined): { config: JsonObject; secretKeys: string[] } {
  const shown: JsonObject = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(config ?? {})) {
    if (isSecretKey(key)) {
      if (value !== null && value !== '') secretKeys.push(key);
    } else {
      shown[key] = value;
    }
  }
  return { config: shown, secretKeys: secretKeys.sort() };
}

/**
 * The config to store on update: the new non-secret settings, and each secret either as resent,
 * removed when resent as null, or kept as it was when the caller did not mention it.
 */
export function mergeConfig(current: JsonObject | null, next: JsonObject): JsonObject {
  const merged: JsonObject = {};
  for (const [key, value] of Object.entries(current ?? {})) if (isSecretKey(key)) merged[key] = value;
  for (const [key, value] of Object.entries(next) as Array<[string, Json]>) {
    if (isSecretKey(key) && value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
