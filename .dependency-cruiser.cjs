/**
 * The layers of the project, checked by `npm run lint` (dependency-cruiser):
 *
 *   index.ts, functions/  (triggers: parse, call one use case, map)
 *        ↓
 *   shared/http/ and the use cases of shared/<capability>/  ─→  their adapters  ─→  shared/domain/
 *
 * - shared/domain/ is pure: it imports nothing but itself, zod, and Node's crypto (hashes).
 * - Nothing the app ships (index.ts, functions/, shared/) imports the development code of dev/
 *   (local runtime, simulators, demo data, build), the CLI of cli/, or the tests.
 * - shared/ never imports functions/ (triggers sit on top), and only functions/ use shared/http/.
 * - No cycles.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: split what both need into a third.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'shared/domain/ holds pure rules: no SDK, no adapter, no I/O.',
      from: { path: '^shared/domain/' },
      to: { pathNot: ['^shared/domain/', '^node_modules/zod/', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'app-does-not-import-dev',
      severity: 'error',
      comment: 'What ships never loads the local runtime, the simulators, the demo data or the build.',
      from: { path: '^(index\\.ts|functions/|shared/)' },
      to: { path: '^dev/' },
    },
    {
      name: 'app-does-not-import-cli',
      severity: 'error',
      from: { path: '^(index\\.ts|functions/|shared/)' },
      to: { path: '^cli/' },
    },
    {
      name: 'only-tests-import-tests',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'shared-does-not-import-triggers',
      severity: 'error',
      comment: 'Triggers call shared/, never the other way round.',
      from: { path: '^shared/' },
      to: { path: '^(functions/|index\\.ts)' },
    },
    {
      name: 'http-is-for-triggers',
      severity: 'error',
      comment: 'Use cases and adapters know nothing of HTTP: only the triggers (and shared/http itself) use it.',
      from: { path: '^shared/', pathNot: '^shared/http/' },
      to: { path: '^shared/http/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|\\.data|\\.deploy)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
