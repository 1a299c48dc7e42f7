import { parseMediaPath } from '../../server/sources/filesystem/naming/parsePath.js';
import { loadCases, scoreCases, scoreTable } from './namingCases.js';

/** `npx tsx test/support/namingReport.ts [--failures]`: the score table (and what failed) on cases.json. */
const scores = scoreCases(loadCases(), parseMediaPath);
console.log(scoreTable(scores));
console.log(`extras and junk catalogued as content: ${scores.extrasCatalogued}`);
if (process.argv.includes('--failures'))
  for (const f of scores.failures)
    console.log(
      `${f.c.category} ${f.c.subcategory.slice(0, 20)} | ${f.c.path}\n    expect ${JSON.stringify(f.c.expect)}\n    got    ${JSON.stringify(f.r)}\n    ${f.why.join('; ')}`,
    );
