import assert from 'node:assert/strict';
import { appRouter } from '../server/router.js';

describe('router', () => {
  it('every procedure declares an input and an output schema', () => {
    const procedures = Object.entries(
      appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[]; output?: unknown } }>,
    );
    assert.ok(procedures.length > 50, 'walks the whole router');
    const withoutOutput = procedures.filter(([, p]) => !p._def.output).map(([path]) => path);
    const withoutInput = procedures.filter(([, p]) => p._def.inputs.length === 0).map(([path]) => path);
    assert.deepEqual(withoutOutput, [], 'procedures without .output()');
    assert.deepEqual(withoutInput, [], 'procedures without .input()');
  });
});
