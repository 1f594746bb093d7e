/** The console's entry: three pages (images, replica advice, group jobs) switched by the URL fragment. */
import { ApiError, signInUrl } from './api.js';
import { byId, clear, h } from './dom.js';
import { startCatalog, type Catalog } from './catalog.js';
import { startJobs, type Jobs } from './jobs.js';
import { registerReplicaViews } from './replica-panel.js';
import { startAdvice, type Advice } from './advice.js';
import { registerRolloutView } from './rollout.js';
import { parseJobHash } from '../rollout.js';
import { parseVersionHash } from '../replica-view.js';

const PAGES = ['catalog', 'advice', 'jobs'] as const;
const TITLES: Record<(typeof PAGES)[number], string> = {
  catalog: 'Images',
  advice: 'Replica advice',
  jobs: 'Group jobs',
};

/** Shows a failure where it happened; a missing session gets a sign-in link. */
function report(err: unknown, where: HTMLElement): void {
  where.classList.add('error');
  if (err instanceof ApiError && err.status === 401) {
    clear(where, 'You are not signed in. ', h('a', { href: signInUrl() }, 'Sign in'));
    clear(byId('session'), h('a', { href: signInUrl() }, 'Sign in'));
  } else if (err instanceof ApiError && err.status === 403 && err.errors.some((e) => e.field === 'roles')) {
    clear(where, `${err.message} Ask an administrator to assign you that app role.`);
  } else if (err instanceof ApiError && err.status === 403) {
    clear(where, `${err.message} Ask an administrator to add you to your organization's record.`);
  } else {
    clear(where, err instanceof Error ? err.message : String(err));
  }
}

function route(): void {
  const wanted = window.location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  const page = PAGES.find((p) => p === wanted) ?? 'catalog';
  for (const p of PAGES) {
    byId(`page-${p}`).hidden = p !== page;
    const link = byId(`nav-${p}`);
    if (p === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${TITLES[page]} · gallery-catalog console`;
  if (page === 'advice') advice.show();
  // #/catalog/subscriptions/…/versions/{v}: a version linked from the advice page.
  const linked = parseVersionHash(window.location.hash);
  if (page === 'catalog' && linked) void catalog.open(linked);
  // #/jobs/{job id}: a job linked from the rollout view.
  const job = parseJobHash(window.location.hash);
  if (page === 'jobs' && job) jobs.open(job);
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

registerReplicaViews(report);
registerRolloutView(report);
const catalog: Catalog = startCatalog(report);
const advice: Advice = startAdvice(report);
const jobs: Jobs = startJobs(report);
route();
void showSession().catch(() => undefined);
