/**
 * The web console's files: built into `dist/console/` by `npm run build` (dev/build/build-console.mjs)
 * and served by the `console` HTTP function from memory. Only the files the build wrote are served:
 * the request path is looked up in that set (never joined onto the file system), so nothing outside
 * the folder can be reached.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** The page itself is revalidated on every load; its scripts and styles are kept briefly. */
  readonly cacheControl: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Content-Security-Policy of every console response: its own files and the same-origin API only. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Normalises a requested asset path: '' → index.html; undefined for anything that is not a plain relative path. */
export function assetName(requested: string | undefined): string | undefined {
  const p = (requested ?? '').replace(/^\/+/, '');
  if (p === '') return 'index.html';
  if (p.length > 200 || p.includes('\\') || p.includes('\0')) return undefined;
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return p;
}

export function contentTypeOf(name: string): string | undefined {
  return TYPES[path.extname(name).toLowerCase()];
}

/** The folder holding package.json above this module (the app root, in the repository and in Azure). */
function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the console module');
    dir = up;
  }
}

/** Reads every servable file under `dir` (recursively) into memory. */
export function loadAssets(dir: string): ReadonlyMap<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  if (!fs.existsSync(dir)) return assets;
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else {
        const contentType = contentTypeOf(rel);
        if (contentType === undefined) continue; // source maps and anything unknown stay private
        assets.set(rel, {
          body: fs.readFileSync(path.join(dir, rel)),
          contentType,
          cacheControl: rel === 'index.html' ? 'no-cache' : 'public, max-age=300',
        });
      }
    }
  };
  walk('');
  return assets;
}

let cached: ReadonlyMap<string, ConsoleAsset> | undefined;

/** The built console (dist/console), read once per instance. Empty when the build has not run. */
export function consoleAssets(): ReadonlyMap<string, ConsoleAsset> {
  cached ??= loadAssets(path.join(appRoot(), 'dist', 'console'));
  return cached;
}
