/**
 * The CLI's HTTP client of the catalog API: JSON in and out, problem details turned into readable
 * errors, an optional bearer token (Azure: a Microsoft Entra token for api://<client-id>).
 */
import { text } from './io.js';

export const DEFAULT_API = 'http://localhost:7071';

export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async call(method: 'GET' | 'POST', path: string, body?: string): Promise<ApiAnswer> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/${path}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new ApiUnreachableError(
        `cannot reach ${url}: ${cause ?? (e as Error).message}${this.baseUrl === DEFAULT_API ? ' (is `npm start` running? or pass --api <url>)' : ''}`,
      );
    }
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    if (text) {
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { detail: text.slice(0, 500) };
      }
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }
}

/** Problem details as lines: the detail, then each field at fault. */
export function problemLines(a: ApiAnswer): string[] {
  const lines = [
    `HTTP ${a.status}: ${typeof a.body.detail === 'string' ? a.body.detail : typeof a.body.title === 'string' ? a.body.title : 'request failed'}`,
  ];
  const errors = Array.isArray(a.body.errors)
    ? (a.body.errors as { field?: unknown; pointer?: unknown; path?: unknown; message?: unknown; code?: unknown }[])
    : [];
  for (const e of errors)
    lines.push(
      `  ${text(e.pointer ?? e.field ?? e.path) || '(request)'}: ${text(e.message)}${e.code ? ` [${text(e.code)}]` : ''}`,
    );
  if (a.status === 401)
    lines.push(
      '  (in Azure, pass a token: --token "$(az account get-access-token --resource api://<client-id> --query accessToken -o tsv)")',
    );
  return lines;
}
