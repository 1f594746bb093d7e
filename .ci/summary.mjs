// Prints the plain closing line "N passed, N failed" from vitest's JSON report.
import fs from 'node:fs';

const [file, statusText] = process.argv.slice(2);
const status = Number(statusText ?? '1');
let passed = 0;
let failed = 0;
let skipped = 0;
if (file && fs.existsSync(file)) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  if (failed === 0 && (report.numFailedTestSuites ?? 0) > 0) failed = report.numFailedTestSuites;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (status !== 0 && failed === 0) failed = 1; // typecheck, lint or a suite that failed to load
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
