import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FunctionRegistry, installFunctionsCore } from './functions-core.js';

/** The project folder: the nearest one up from `from` holding a package.json. */
export function projectRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return dir;
}

/** Expands `{a,b}` alternatives (one level) and `*` / `?` wildcards in the last path segment. */
export function expandMainGlob(pattern: string, root: string): string[] {
  const brace = /\{([^{}]*)\}/.exec(pattern);
  const patterns = brace ? (brace[1] ?? '').split(',').map((alt) => pattern.replace(brace[0], alt)) : [pattern];
  const files: string[] = [];
  for (const p of patterns) {
    if (p.includes('{')) {
      files.push(...expandMainGlob(p, root));
      continue;
    }
    const abs = path.resolve(root, p);
    const dir = path.dirname(abs);
    const base = path.basename(abs);
    if (!/[*?]/.test(base)) {
      if (fs.existsSync(abs)) files.push(abs);
      continue;
    }
    if (/[*?]/.test(dir)) throw new Error(`Only the last segment of "${pattern}" may hold wildcards`);
    if (!fs.existsSync(dir)) continue;
    const re = new RegExp(
      `^${base
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
    for (const name of fs.readdirSync(dir).sort()) {
      if (re.test(name) && fs.statSync(path.join(dir, name)).isFile()) files.push(path.join(dir, name));
    }
  }
  return [...new Set(files)];
}

/**
 * Installs the functions-core stand-in, then imports the app the way the Functions host does: every
 * file that package.json `main` matches. Returns the registry holding every registration.
 */
export async function loadApp(projectRoot: string, files?: string[]): Promise<FunctionRegistry> {
  const registry = new FunctionRegistry();
  registry.appDirectory = projectRoot;
  installFunctionsCore(registry);
  let entries = files;
  if (!entries) {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { main?: string };
    if (!pkg.main) throw new Error('package.json has no "main"');
    entries = expandMainGlob(pkg.main, projectRoot);
    if (entries.length === 0) throw new Error(`package.json "main" (${pkg.main}) matches no file: run the build first`);
  }
  for (const file of entries) await import(pathToFileURL(path.resolve(projectRoot, file)).href);
  return registry;
}
