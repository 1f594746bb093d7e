// `npm run bench`: each figure is measured in this one run, on this machine; ratios compare
// numbers taken side by side. Benchmarks are not tests: they print, they do not assert.
// `npm run bench -- --scale limit|small` runs the scale scenario (test/bench/scale.ts) alone.
import { printColdImport } from './cold-import.js';
import { benchCatalog } from './catalog.js';

console.log('gallery-catalog benchmarks');
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
const scaleAt = process.argv.indexOf('--scale');
if (scaleAt >= 0) {
  const scale = process.argv[scaleAt + 1];
  if (scale !== 'limit' && scale !== 'small') {
    console.error('--scale takes limit or small');
    process.exit(2);
  }
  const { benchScale } = await import('./scale.js');
  await benchScale(scale);
} else {
  printColdImport();
  await benchCatalog();
  const { benchLookups } = await import('./lookups.js');
  await benchLookups();
  const { benchJobs } = await import('./jobs.js');
  await benchJobs();
  const { benchAutoRoll } = await import('./autoroll.js');
  benchAutoRoll();
  const { benchApply } = await import('./apply.js');
  benchApply();
}
