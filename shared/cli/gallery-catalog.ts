#!/usr/bin/env node
// The `gallery-catalog` command (package.json "bin"): see submit.ts.
import { main } from './submit.js';

main(process.argv.slice(2), process.env, (s) => console.log(s), (s) => console.error(s)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
