import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { assetName, consoleAssets, CONSOLE_CSP } from '../shared/console/assets.js';
import { problem } from '../shared/http/responses.js';

/**
 * The web console: its page, scripts and styles, built with the app. The page calls the same /api
 * routes with the browser's session, so it sees exactly what the API shows the signed-in caller.
 */
export function webConsole(request: HttpRequest): Promise<HttpResponseInit> {
  const url = new URL(request.url);
  const requested = request.params.path ?? '';
  // The page's relative links need the trailing slash: /api/console → /api/console/
  if (requested === '' && !url.pathname.endsWith('/')) {
    return Promise.resolve({
      status: 308,
      headers: { location: `${url.pathname}/${url.search}`, 'cache-control': 'no-store' },
    });
  }
  const name = assetName(requested);
  const asset = name === undefined ? undefined : consoleAssets().get(name);
  if (!asset) {
    if (consoleAssets().size === 0)
      return Promise.resolve(problem(503, 'The console is not built: run `npm run build`.'));
    return Promise.resolve(
      problem(404, 'No such console file.', {
        errors: [{ field: 'path.path', message: 'is not a file of the console' }],
      }),
    );
  }
  return Promise.resolve({
    status: 200,
    body: asset.body,
    headers: {
      'content-type': asset.contentType,
      'cache-control': asset.cacheControl,
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  });
}

app.http('console', { methods: ['GET'], authLevel: 'anonymous', route: 'console/{*path}', handler: webConsole });
