import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { seed as seedDemo } from '../seeds/01_demo_library.js';
import { baseUrl, db } from './support/harness.js';

const root = path.resolve(import.meta.dirname, '..');
const origin = () => baseUrl().replace(/\/trpc$/, '');

/** Relative link targets in a markdown file (external and in-page links are not files). */
function relativeLinks(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target))
    .map((target) => target.split('#')[0]!);
}

interface Example {
  method: string;
  url: string;
  body?: string;
  withStatus: boolean;
  expected: string;
}

/** The curl examples of one README section, each with the output the README shows for it. */
function curlExamples(heading: string): Example[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split(/\n\s*\n/)
    .map((chunk) => {
      const lines = chunk.split('\n');
      const command = lines
        .filter((l) => !l.startsWith('#'))
        .join(' ')
        .replace(/\\\s+/g, ' ')
        .replace(/\s+#.*$/, '');
      const expected = lines
        .filter((l) => l.startsWith('#'))
        .map((l) => l.replace(/^#\s*/, ''))
        .join('');
      const url = /'?(http:\/\/127\.0\.0\.1:3000[^'\s]*)'?/.exec(command)![1]!.replace('http://127.0.0.1:3000', origin());
      const body = /-d '([^']*)'/.exec(command)?.[1];
      return {
        method: /-X (\w+)/.exec(command)?.[1] ?? 'GET',
        url,
        ...(body ? { body } : {}),
        withStatus: command.includes('%{http_code}'),
        expected,
      };
    })
    .filter((e) => e.expected);
}

/** The README elides ids (`8a2c7f97-…`) and shows one run's timestamps: match those loosely, the rest exactly. */
function matches(actual: unknown, documented: unknown, where = ''): void {
  if (typeof documented === 'string' && typeof actual === 'string') {
    if (documented.includes('…') || /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(documented)) return;
  }
  if (documented && typeof documented === 'object') {
    assert.equal(typeof actual, 'object', where);
    assert.deepEqual(Object.keys(actual as object), Object.keys(documented), where);
    for (const [k, v] of Object.entries(documented)) matches((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    return;
  }
  assert.deepEqual(actual, documented, where);
}

describe('docs', () => {
  it('every file the READMEs link exists', () => {
    for (const readme of ['README.md', 'sdk/README.md']) {
      const dir = path.dirname(path.join(root, readme));
      for (const target of relativeLinks(path.join(root, readme))) {
        assert.ok(fs.existsSync(path.join(dir, target)), `${readme} links ${target}, which does not exist`);
      }
    }
  });

  /** The examples run, in the README's order, against the demo library (`npm run seed`), as it says. */
  const runExamples = async (examples: Example[]) => {
    let created: string | undefined; // an example may read what the one before it created
    for (const example of examples) {
      const url = created ? example.url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, created) : example.url;
      const res = await fetch(url, {
        method: example.method,
        headers: { 'content-type': 'application/json' },
        ...(example.body ? { body: example.body } : {}),
      });
      const [, json, status] = /^(.*?)(?: (\d{3}))?$/.exec(example.expected)!;
      if (example.withStatus) assert.equal(res.status, Number(status), example.url);
      const body = (await res.json()) as { id?: string };
      matches(body, JSON.parse(json!), `${example.method} ${example.url}`);
      if (example.method === 'POST') created = body.id;
    }
  };

  it("the README's plain-JSON curl examples give the output it shows", async () => {
    await seedDemo(db());
    const examples = curlExamples('### Over HTTP: plain JSON (REST)');
    assert.equal(examples.length, 4, 'a list, a mutation, a get and a bad input');
    await runExamples(examples);
  });

  it("the README's tRPC curl examples (a list with no input, a create, a bad input) give the output it shows", async () => {
    await seedDemo(db());
    await runExamples(curlExamples('### Over HTTP: plain JSON (REST)').filter((e) => e.method === 'POST')); // Alien, as above
    const examples = curlExamples('### Over HTTP: tRPC (curl)');
    assert.equal(examples.length, 3);
    await runExamples(examples);
  });
});
