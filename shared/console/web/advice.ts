/**
 * The replica advice page, from `GET /api/advice/replicas` only: the organization's versions with
 * fewer replicas than their demand needs (most at risk first) and the versions replicated where no
 * group uses them (largest saving first), each linking to the version in the images page's matrix.
 * Asked again each time the page is shown (group jobs change the demand).
 */
import { get } from './api.js';
import { byId, clear, h } from './dom.js';
import {
  groupsOfVersion,
  groupText,
  lastName,
  listedText,
  moneyText,
  replicaCountText,
  riskText,
  ruleHeadline,
  trimText,
  unnamedText,
  versionHash,
  versionLocation,
  type OrganizationAdvice,
  type UnderReplicatedItem,
  type UnusedItem,
} from '../replica-view.js';

export interface Advice {
  /** Loads the advice (again) and shows it. */
  show(): void;
}

/** How many items of each list to ask for. */
const TOP = 100;

/** The version as a link to it in the matrix (plain text when the id is not a version's). */
function versionLink(id: string, image: string, version: string): HTMLElement {
  const where = versionLocation(id);
  const text = `${lastName(image)} ${version}`;
  const meta = where ? `${where.gallery} · ${where.resourceGroup}` : '';
  return h(
    'span',
    {},
    where ? h('a', { href: versionHash(where), class: 'version-link' }, text) : text,
    meta ? h('span', { class: 'version-meta' }, meta) : null,
  );
}

function underTable(items: UnderReplicatedItem[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'matrix', id: 'under-table' },
      h('caption', { class: 'hint' }, 'Most at risk first: risk = (recommended − current) ÷ recommended'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Version', 'Region', 'Replicas', 'Risk', 'Rules that applied', 'Groups using it'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((u) => {
          const groups = groupsOfVersion({
            regions: [{ region: u.region, demand: { groups: u.groups, otherGroups: u.otherGroups } }],
          });
          return h(
            'tr',
            { 'data-version-id': u.id, 'data-region': u.region },
            h('th', { scope: 'row' }, versionLink(u.id, u.image, u.version)),
            h('td', {}, u.region),
            h(
              'td',
              { class: 'cell-failed' },
              h(
                'span',
                { class: 'cell-state' },
                replicaCountText({ current: u.current, recommended: u.recommended, targeted: true }),
              ),
              h('span', { class: 'status-text' }, `${u.concurrentVms} VMs at once`),
            ),
            h('td', {}, `${riskText(u.risk)} short`),
            h(
              'td',
              {},
              h(
                'ul',
                { class: 'rules' },
                u.rules.map((r) =>
                  h('li', { 'data-rule': r.code }, h('strong', {}, ruleHeadline(r)), h('br'), r.reason),
                ),
              ),
            ),
            h(
              'td',
              {},
              h(
                'ul',
                { class: 'groups' },
                groups.groups.map((g) => h('li', {}, groupText(g))),
                groups.unnamed.map((x) => h('li', {}, unnamedText(x))),
              ),
            ),
          );
        }),
      ),
    ),
  );
}

function unusedTable(items: UnusedItem[], currency: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'matrix', id: 'unused-table' },
      h('caption', { class: 'hint' }, 'Largest saving first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Version', 'Size', 'Regions no group uses', 'Saving a month'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((u) =>
          h(
            'tr',
            { 'data-version-id': u.id },
            h('th', { scope: 'row' }, versionLink(u.id, u.image, u.version)),
            h('td', {}, u.sizeGB === undefined ? 'not reported' : `${u.sizeGB} GB`),
            h(
              'td',
              {},
              h(
                'ul',
                { class: 'plain' },
                u.regions.map((t) => h('li', {}, trimText(t, currency))),
              ),
            ),
            h('td', {}, u.monthlySaving === undefined ? 'not priced' : moneyText(u.monthlySaving, currency)),
          ),
        ),
      ),
    ),
  );
}

export function startAdvice(report: (err: unknown, where: HTMLElement) => void): Advice {
  const status = byId('advice-status');
  const under = byId('advice-under');
  const unused = byId('advice-unused');
  let generation = 0;

  const render = (a: OrganizationAdvice): void => {
    clear(
      byId('advice-summary'),
      `Organization ${a.organization}. Demand assumes every group creates its capacity maximum × ${a.burstFactor} VMs at once; amounts in ${a.currency} are estimates from the configured prices.`,
    );
    byId('under-title').textContent =
      `Under-replicated for their demand (${listedText(a.underReplicated.length, a.underReplicatedTotal)})`;
    clear(
      under,
      a.underReplicated.length === 0
        ? h('p', { class: 'empty' }, 'No version has fewer replicas than the groups using it need.')
        : underTable(a.underReplicated),
    );
    byId('unused-title').textContent =
      `Replicated where no group uses them (${listedText(a.unused.length, a.unusedTotal)})`;
    clear(
      unused,
      a.unused.length === 0
        ? h(
            'p',
            { class: 'empty' },
            'No version of your subscriptions is replicated to a region where no group uses it.',
          )
        : [
            h(
              'p',
              {},
              `Trimming all of them saves ${moneyText(a.monthlySaving, a.currency)} a month (priced regions only).`,
            ),
            unusedTable(a.unused, a.currency),
          ],
    );
    byId('advice-lists').hidden = false;
  };

  const load = async (): Promise<void> => {
    const g = ++generation;
    status.className = 'status';
    status.textContent = 'Loading the advice for your organization…';
    byId('advice-lists').hidden = true;
    try {
      const answer = await get<OrganizationAdvice>(`advice/replicas?top=${TOP}`);
      if (g !== generation) return;
      status.textContent = '';
      render(answer);
    } catch (err) {
      if (g === generation) report(err, status);
    }
  };

  byId('advice-refresh').addEventListener('click', () => void load());
  return { show: () => void load() };
}
