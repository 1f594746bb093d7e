/**
 * ASP.NET-style route templates as the Functions host uses them for HTTP triggers:
 * literal segments (case-insensitive), `{name}`, `{name?}`, `{name:constraint}` and a final
 * `{*rest}`. Literal segments take precedence over parameters, as in the host.
 */

type Segment =
  | { kind: 'literal'; text: string; lower: string }
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
        return { kind: 'literal', text: s, lower: s.toLowerCase() };
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
  return matchSegments(route, pathSegments(path));
}

/** The non-empty segments of a path (without the route prefix), each decoded: split once, then matched against every route. */
export function pathSegments(path: string): string[] {
  const segments: string[] = [];
  for (const part of path.split('/')) if (part.length > 0) segments.push(safeDecode(part));
  return segments;
}

/** Route parameters when the decoded `segments` of a path match, otherwise undefined. */
export function matchSegments(route: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of route.segments) {
    if (seg.kind === 'catchAll') {
      params[seg.name] = segments.slice(i).join('/');
      return params;
    }
    const decoded = segments[i];
    if (decoded === undefined) {
      if (seg.kind === 'param' && seg.optional) continue;
      return undefined;
    }
    if (seg.kind === 'literal') {
      if (decoded !== seg.text && decoded.toLowerCase() !== seg.lower) return undefined;
    } else {
      if (!constraintOk(seg.constraint, decoded)) return undefined;
      params[seg.name] = decoded;
    }
    i++;
  }
  return i === segments.length ? params : undefined;
}

function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
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
