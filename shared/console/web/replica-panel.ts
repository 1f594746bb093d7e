/**
 * The replica advice on the images page, from `GET .../versions/{version}/replicas` only:
 * - a matrix column "Groups using it": per version, the groups of the caller's organization that
 *   create VMs from it (the demand part of the answer);
 * - a matrix footer row: per region, the chosen version's replicas against the recommended count
 *   (for `latest`, the version it resolves to in each region);
 * - a section under the matrix: per region, current and recommended replicas, every rule that
 *   applied and why, the demand and the storage estimate.
 * The column asks each version's answer once per matrix shown (a few at a time); the footer and the
 * section ask again on each choice, so they show the demand as it is now. A failure shows the
 * problem's detail where the answer was to appear.
 */
import { get, seg } from './api.js';
import { byId, clear, h } from './dom.js';
import { chosenHooks, matrixColumnHooks, matrixFooterHooks, type MatrixContext } from './catalog.js';
import {
  demandText,
  groupsOfVersion,
  groupText,
  replicaCountText,
  replicaRows,
  ruleHeadline,
  STATUS_TEXT,
  STATUS_TONE,
  storageLines,
  totalsText,
  unnamedText,
  versionsToLoad,
  type GroupsOnVersion,
  type ReplicaRow,
  type VersionReplicas,
} from '../replica-view.js';

type Report = (err: unknown, where: HTMLElement) => void;

/** Runs at most `n` requests at once (the matrix may list many versions). */
function limiter(n: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
const limit = limiter(3);

/** The answers asked for one context: the matrix as rendered (the column), or one choice (the footer and the section). */
const answersOf = new WeakMap<MatrixContext, Map<string, Promise<VersionReplicas>>>();

function replicas(ctx: MatrixContext, version: string): Promise<VersionReplicas> {
  let answers = answersOf.get(ctx);
  if (!answers) answersOf.set(ctx, (answers = new Map<string, Promise<VersionReplicas>>()));
  let answer = answers.get(version);
  if (!answer) {
    const p = ctx.image;
    answer = limit(() =>
      get<VersionReplicas>(
        `subscriptions/${seg(p.subscriptionId)}/resourceGroups/${seg(p.resourceGroup)}/galleries/${seg(p.gallery)}/images/${seg(p.image)}/versions/${seg(version)}/replicas`,
      ),
    );
    answers.set(version, answer);
  }
  return answer;
}

/** An element that says it is loading, then shows what `work` builds, or the failure. */
function later(report: Report, tag: 'div' | 'span', work: () => Promise<(Node | string | null)[]>): HTMLElement {
  const el = h(tag, { class: 'loading' }, 'Loading…');
  work().then(
    (nodes) => {
      el.classList.remove('loading');
      clear(el, nodes);
    },
    (err: unknown) => {
      el.classList.remove('loading');
      report(err, el);
    },
  );
  return el;
}

/** The groups using a version (any answer naming groups per version can be shown with this). */
export function renderGroups(g: GroupsOnVersion): (Node | string)[] {
  if (g.groups.length === 0 && g.unnamed.length === 0)
    return [h('span', { class: 'empty' }, 'No group of your organization uses it')];
  return [
    h(
      'ul',
      { class: 'groups' },
      g.groups.map((x) => h('li', {}, groupText(x))),
      g.unnamed.map((u) => h('li', {}, unnamedText(u))),
    ),
  ];
}

function versionsAsked(ctx: MatrixContext): string[] {
  return ctx.chosen === undefined ? [] : versionsToLoad(ctx.chosen, ctx.matrix.regions, ctx.matrix.latest);
}

async function rowsOf(ctx: MatrixContext): Promise<{ rows: ReplicaRow[]; answers: Map<string, VersionReplicas> }> {
  const wanted = versionsAsked(ctx);
  const answers = new Map(
    (await Promise.all(wanted.map(async (v) => [v, await replicas(ctx, v)] as const))).map(([v, a]) => [v, a]),
  );
  return { rows: replicaRows(ctx.chosen ?? '', ctx.matrix.regions, ctx.matrix.latest, answers), answers };
}

function regionName(ctx: MatrixContext, region: string): string {
  return ctx.matrix.regionNames[region] ?? region;
}

/** The section under the matrix: one row per region. */
function renderSection(ctx: MatrixContext, report: Report): void {
  const section = byId('replicas-section');
  const out = byId('replicas');
  if (ctx.chosen === undefined) {
    section.hidden = true;
    clear(out);
    return;
  }
  const chosen = ctx.chosen;
  byId('replicas-title').textContent =
    chosen === 'latest'
      ? 'Replica advice for latest (the version it resolves to in each region)'
      : `Replica advice for ${chosen}`;
  section.hidden = false;
  clear(
    out,
    later(report, 'div', async () => {
      const { rows, answers } = await rowsOf(ctx);
      const first = [...answers.values()][0];
      if (rows.length === 0) {
        return [
          h(
            'p',
            { class: 'empty' },
            chosen === 'latest'
              ? 'latest resolves to no version in any region: nothing to advise.'
              : 'The version targets no region and no group of your organization uses it.',
          ),
        ];
      }
      const single = chosen === 'latest' ? undefined : answers.get(chosen);
      const warnings = rows.flatMap((r) =>
        r.replicas.warnings.map((w) => (chosen === 'latest' ? `${r.version}: ${w.message}` : w.message)),
      );
      return [
        h(
          'p',
          { class: 'hint' },
          `Per region: the replicas the version has and the count Azure's guidance asks for the groups of your organization that use it there, all assumed to create VMs at once (each group's capacity maximum × ${first?.burstFactor ?? 1}). Every rule that applied is listed; the largest decides. Storage figures are estimates from the configured prices.`,
        ),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'matrix replicas', id: 'replicas-table' },
            h(
              'caption',
              { class: 'hint' },
              chosen === 'latest' ? 'Replicas of latest, per region' : `Replicas of ${chosen}, per region`,
            ),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Region', 'Replicas', 'Rules that applied', 'Demand', 'Storage estimate'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map((r) => regionRow(ctx, r, chosen === 'latest')),
            ),
          ),
        ),
        warnings.length > 0
          ? h(
              'ul',
              { class: 'reasons warnings' },
              warnings.map((w) => h('li', {}, h('span', { class: 'badge warn' }, 'warning'), ' ', w)),
            )
          : null,
        single ? h('p', { class: 'totals' }, totalsText(single)) : null,
        single ? h('p', { class: 'hint' }, `Size: ${single.sizeBasis}.`) : null,
      ];
    }),
  );
}

function regionRow(ctx: MatrixContext, row: ReplicaRow, latest: boolean): HTMLTableRowElement {
  const r = row.replicas;
  const meta = [
    r.region,
    latest ? `latest = ${row.version}` : '',
    r.source ? 'source region' : '',
    r.storageAccountType ?? '',
    r.targeted ? '' : 'not targeted',
  ]
    .filter(Boolean)
    .join(' · ');
  const storage = storageLines(r, row.sizeGB, row.currency);
  const d = r.demand;
  const groups = groupsOfVersion({ regions: [r] });
  return h(
    'tr',
    { 'data-region': r.region, 'data-version': row.version },
    h('th', { scope: 'row' }, regionName(ctx, r.region), h('span', { class: 'version-meta' }, meta)),
    h(
      'td',
      { class: `cell-${STATUS_TONE[r.status]}` },
      h('span', { class: 'cell-state' }, replicaCountText(r)),
      h('span', { class: 'status-text' }, STATUS_TEXT[r.status]),
    ),
    h(
      'td',
      {},
      h(
        'ul',
        { class: 'rules' },
        r.rules.map((rule) =>
          h('li', { 'data-rule': rule.code }, h('strong', {}, ruleHeadline(rule)), h('br'), rule.reason),
        ),
      ),
    ),
    h('td', {}, h('span', {}, demandText(d)), d.statelessGroups + d.statefulNodes > 0 ? renderGroups(groups) : null),
    h(
      'td',
      {},
      storage
        ? h(
            'ul',
            { class: 'plain' },
            storage.map((l) => h('li', {}, l)),
          )
        : h('span', { class: 'empty' }, r.targeted ? 'No estimate: ARM reported no disk size.' : 'No replicas here.'),
    ),
  );
}

/** Registers the column, the footer and the section. */
export function registerReplicaViews(report: Report): void {
  matrixColumnHooks.push({
    title: 'Groups using it',
    render: (row, ctx) =>
      later(report, 'div', async () => renderGroups(groupsOfVersion(await replicas(ctx, row.version)))),
  });
  matrixFooterHooks.push({
    title: (ctx) => (ctx.chosen === undefined ? undefined : `Replicas of ${ctx.chosen}`),
    render(region, ctx, cell) {
      const version = ctx.chosen === 'latest' ? ctx.matrix.latest[region] : ctx.chosen;
      if (version === undefined) return h('span', { class: 'empty' }, 'No latest here');
      const prefix = ctx.chosen === 'latest' ? `${version}: ` : '';
      return later(report, 'span', async () => {
        const r = (await replicas(ctx, version)).regions.find((x) => x.region === region);
        if (!r) return [h('span', { class: 'empty' }, `${prefix}not replicated here; no group uses it here`)];
        cell.className = `cell-${STATUS_TONE[r.status]}`;
        return [
          h('span', { class: 'cell-state' }, `${prefix}${replicaCountText(r)}`),
          h('span', { class: 'status-text' }, STATUS_TEXT[r.status]),
        ];
      });
    },
  });
  chosenHooks.push((ctx) => renderSection(ctx, report));
}
