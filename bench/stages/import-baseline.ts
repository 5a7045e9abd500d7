/** Import baseline: reading and parsing the same CSV with our reader, no validation, no writes. */
import { openTabularFile } from '../../src/imports/tabular/tabular-file.js';
import { reportStage, timed } from '../lib/stage-result.js';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: import-baseline <records.csv>');
const { value: rows, ms } = await timed(async () => {
  const tabular = await openTabularFile(file);
  let n = 0;
  for await (const row of tabular.rows) if (row.cells.length > 0) n += 1;
  return n;
});
reportStage('import-baseline', rows, ms);
