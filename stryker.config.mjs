// @ts-check
/**
 * Mutation testing (`npm run mutation`, not part of `npm test`), in two runs:
 * - `domain` (default): mutates shared/domain/ and runs the domain unit tests (test/domain/), so
 *   the score says what those tests alone catch;
 * - `processor` (MUTATION_SCOPE=processor): mutates the group-job processor and runs the
 *   end-to-end job files (it has no unit tests of its own: it runs behind the queue trigger).
 * Reports land in reports/mutation/<scope>/.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const scopes = {
  domain: { mutate: ['shared/domain/**/*.ts'], testFiles: ['test/domain/**/*.test.ts'] },
  processor: { mutate: ['shared/jobs/processor.ts'], testFiles: ['test/jobs/*.e2e.test.ts'] },
};
const scope = process.env.MUTATION_SCOPE ?? 'domain';
const chosen = scopes[/** @type {keyof typeof scopes} */ (scope)];
if (!chosen) throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(scopes).join(', ')}`);

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  ...chosen,
  coverageAnalysis: 'perTest',
  // Module-level mutants (schemas and tables built at load) would rerun every test: reported as ignored.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
  ignorePatterns: ['dist', '.data', 'coverage', 'reports', '.deploy', 'test-results', '.vitest-results.json'],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${scope}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${scope}/mutation.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
