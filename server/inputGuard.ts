import type { FieldError } from './schemas.js';

/**
 * Checks every raw input before any procedure's schema sees it, so one rule covers every string
 * the API accepts (names, uris, search text, JSON keys and values alike):
 * - text must be well-formed UTF-16: a lone surrogate cannot be stored (PostgreSQL would turn it
 *   into U+FFFD, so two different names could collide) and breaks URL and JSON handling;
 * - nesting is bounded, so a 10,000-deep JSON value is refused cleanly instead of overflowing the
 *   stack of a recursive validator or serializer.
 */
export const MAX_INPUT_DEPTH = 64;

/** String.prototype.isWellFormed (Node 20+; the ES2023 lib typings predate it). */
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

export function inputProblem(input: unknown): FieldError | null {
  // Iterative walk: the input itself may be deeper than the stack allows.
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!wellFormed(value)) return { path: path.join('.'), message: 'must be valid text (it holds a lone surrogate)' };
      continue;
    }
    if (typeof value !== 'object' || value === null || value instanceof Date) continue;
    if (path.length >= MAX_INPUT_DEPTH)
      return { path: path.join('.'), message: `nested more than ${MAX_INPUT_DEPTH} levels deep` };
    // Maps and Sets (superjson can send them) are walked by position: their keys may be objects.
    if (value instanceof Map || value instanceof Set) {
      let i = 0;
      for (const item of value instanceof Map ? [...value.keys(), ...value.values()] : value)
        stack.push({ value: item, path: [...path, String(i++)] });
      continue;
    }
    const entries = Object.entries(value);
    for (const [key, child] of entries) {
      if (!wellFormed(key)) return { path: path.join('.'), message: 'keys must be valid text (one holds a lone surrogate)' };
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return null;
}

/** An error carrying `issues`, so the error formatter reports it like any validation failure. */
export class InputProblemError extends Error {
  readonly issues: Array<{ path: string[]; message: string }>;
  constructor(problem: FieldError) {
    super(`Invalid input: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`);
    this.name = 'InputProblemError';
    this.issues = [{ path: problem.path ? problem.path.split('.') : [], message: problem.message }];
  }
}
