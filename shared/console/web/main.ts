/** The console's entry: two pages (images, group jobs) switched by the URL fragment. */
import { ApiError, signInUrl } from './api.js';
import { byId, clear, h } from './dom.js';
import { startCatalog } from './catalog.js';
import { startJobs } from './jobs.js';

const PAGES = ['catalog', 'jobs'] as const;

/** Shows a failure where it happened; a missing session gets a sign-in link. */
function report(err: unknown, where: HTMLElement): void {
  where.classList.add('error');
  if (err instanceof ApiError && err.status === 401) {
    clear(where, 'You are not signed in. ', h('a', { href: signInUrl() }, 'Sign in'));
    clear(byId('session'), h('a', { href: signInUrl() }, 'Sign in'));
  } else if (err instanceof ApiError && err.status === 403) {
    clear(where, `${err.message} Ask an administrator to add you to your organization's record.`);
  } else {
    clear(where, err instanceof Error ? err.message : String(err));
  }
}

function route(): void {
  const wanted = window.location.hash.replace(/^#\/?/, '');
  const page = (PAGES as readonly string[]).includes(wanted) ? wanted : 'catalog';
  for (const p of PAGES) {
    byId(`page-${p}`).hidden = p !== page;
    const link = byId(`nav-${p}`);
    if (p === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page === 'jobs' ? 'Group jobs' : 'Images'} · gallery-catalog console`;
}

window.addEventListener('hashchange', () => {
  route();
  byId('main').focus();
});
/** In Azure, App Service authentication says who is signed in (`/.auth/me`); offline there is no such endpoint. */
async function showSession(): Promise<void> {
  const res = await fetch('/.auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) return;
  const me = (await res.json()) as { user_id?: string }[];
  const user = Array.isArray(me) ? me[0]?.user_id : undefined;
  if (user) clear(byId('session'), `Signed in as ${user} · `, h('a', { href: '/.auth/logout' }, 'Sign out'));
}

route();
void showSession().catch(() => undefined);
startCatalog(report);
startJobs(report);
