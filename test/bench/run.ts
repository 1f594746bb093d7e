// `npm run bench`: each figure is measured in this one run, on this machine; ratios compare
// numbers taken side by side. Benchmarks are not tests: they print, they do not assert.
import { printColdImport } from './cold-import.js';
import { benchCatalog } from './catalog.js';

console.log('gallery-catalog benchmarks');
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
printColdImport();
await benchCatalog();
const { benchLookups } = await import('./lookups.js');
await benchLookups();
const { benchJobs } = await import('./jobs.js');
await benchJobs();
const { benchAutoRoll } = await import('./autoroll.js');
benchAutoRoll();
