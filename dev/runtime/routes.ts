/**
 * ASP.NET-style route templates as the Functions host uses them for HTTP triggers:
 * literal segments (case-insensitive), `{name}`, `{name?}`, `{name:constraint}` and a final
 * `{*rest}`. Literal segments take precedence over parameters, as in the host.
 */

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; constraint?: string }
  | { kind: 'catchAll'; name: string };

export interface CompiledRoute {
  template: string;
  segments: Segment[];
}

export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((s): Segment => {
      const m = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+(?:\([^)]*\))?))?(\?)?\}$/.exec(s);
      if (!m) {
        if (s.includes('{') || s.includes('}')) throw new Error(`Unsupported route segment "${s}" in "${template}"`);
        return { kind: 'literal', text: s };
      }
      const name = m[2] as string;
      if (m[1]) return { kind: 'catchAll', name };
      return { kind: 'param', name, optional: m[4] === '?', ...(m[3] ? { constraint: m[3] } : {}) };
    });
  return { template, segments };
}

function constraintOk(constraint: string | undefined, value: string): boolean {
  if (!constraint) return true;
  if (constraint === 'int' || constraint === 'long') return /^-?\d+$/.test(value);
  if (constraint === 'alpha') return /^[A-Za-z]+$/.test(value);
  if (constraint === 'guid') return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
  return true;
}

/** Route parameters when `path` (without the route prefix, not decoded) matches, otherwise undefined. */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  const parts = path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((p) => p.length > 0);
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of route.segments) {
    if (seg.kind === 'catchAll') {
      params[seg.name] = parts.slice(i).map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) {
      if (seg.kind === 'param' && seg.optional) continue;
      return undefined;
    }
    const decoded = safeDecode(part);
    if (seg.kind === 'literal') {
      if (decoded.toLowerCase() !== seg.text.toLowerCase()) return undefined;
    } else {
      if (!constraintOk(seg.constraint, decoded)) return undefined;
      params[seg.name] = decoded;
    }
    i++;
  }
  return i === parts.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Orders routes so that the most specific (literals first, catch-alls last) is tried first. */
export function compareRoutes(a: CompiledRoute, b: CompiledRoute): number {
  const rank = (s: Segment | undefined): number =>
    s === undefined ? 5 : s.kind === 'literal' ? 0 : s.kind === 'param' ? (s.constraint ? 1 : s.optional ? 3 : 2) : 4;
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = rank(a.segments[i]) - rank(b.segments[i]);
    if (d !== 0) return d;
  }
  return 0;
}
