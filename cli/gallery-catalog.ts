#!/usr/bin/env node
// The `gallery-catalog` command (package.json "bin"): see commands.ts.
import { main } from './commands.js';

main(process.argv.slice(2), {
  out: (s) => console.log(s),
  err: (s) => console.error(s),
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(3);
  },
);
