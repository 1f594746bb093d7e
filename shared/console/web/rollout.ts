/**
 * The rollout of the chosen image definition on the images page, from `GET .../images/{image}/rollout`:
 * per region, the latest version and every group of the caller's organization on `latest` there,
 * its state in colour and words, the version it runs, its roll job (a link to the job page), the
 * soak time left, the failure codes, why it is held; a banner when the definition's auto-roll is
 * paused; for an applied group its deployment (target, scale set or VM, provisioning state, the
 * VMs on each image version) and its roll job's apply. A group's name opens its roll history (`GET /api/groups/{account}/{kind}/{name}/rolls`):
 * its policy, its last roll, its roll jobs newest first. A failure shows the problem's detail where
 * the answer was to appear.
 */
import { get, seg } from './api.js';
import { byId, clear, h } from './dom.js';
import { imageHooks, type ImagePath } from './catalog.js';
import {
  countsText,
  groupDetail,
  jobHash,
  jobStatusText,
  jobStatusTone,
  lastRollText,
  policyText,
  runsText,
  soakText,
  sortedGroups,
  stateText,
  STATE_TONE,
  timeText,
  versionName,
  type GroupRollsView,
  type RolloutGroupView,
  type RolloutRegionView,
  type RolloutView,
} from '../rollout.js';
import { applySummary, deploymentSummary, resourceName } from '../apply-view.js';

type Report = (err: unknown, where: HTMLElement) => void;

const KIND_TEXT: Record<string, string> = { statelessGroup: 'stateless group', statefulNode: 'stateful node' };

function jobLink(jobId: string): HTMLAnchorElement {
  return h('a', { href: jobHash(jobId), class: 'job-link' }, jobId);
}

export function registerRolloutView(report: Report): void {
  const section = byId('rollout-section');
  const out = byId('rollout');
  const rollsSection = byId('rolls-section');
  const rollsOut = byId('rolls');
  let current: ImagePath | undefined;
  let generation = 0; // answers for an earlier choice are dropped
  /** The "Runs" cells of soaking groups, counted down with the soak. */
  const soakingRuns = new Map<HTMLElement, { group: RolloutGroupView; latest: string | undefined }>();

  async function load(): Promise<void> {
    const image = current;
    const g = ++generation;
    rollsSection.hidden = true;
    clear(rollsOut);
    if (!image) {
      section.hidden = true;
      clear(out);
      return;
    }
    section.hidden = false;
    out.className = 'loading';
    clear(out, `Loading the rollout of ${image.image}…`);
    try {
      const view = await get<RolloutView>(
        `subscriptions/${seg(image.subscriptionId)}/resourceGroups/${seg(image.resourceGroup)}/galleries/${seg(image.gallery)}/images/${seg(image.image)}/rollout`,
      );
      if (g !== generation) return;
      out.className = '';
      clear(out, render(image, view, new Date()));
    } catch (err) {
      if (g !== generation) return;
      out.className = 'status';
      report(err, out);
    }
  }

  function render(image: ImagePath, view: RolloutView, now: Date): (Node | null)[] {
    const banner = view.paused
      ? h(
          'div',
          { class: 'banner', role: 'note', id: 'rollout-paused' },
          h('strong', {}, `Auto-roll is paused for ${image.image}.`),
          ' No group rolls to a new version until an administrator releases the pause (',
          h('code', {}, 'PUT /api/manage/autoroll/pauses/{definition id}'),
          ' with ',
          h('code', {}, '{"paused": false}'),
          '); the groups it held back then roll.',
        )
      : null;
    if (view.regions.length === 0) {
      return [
        banner,
        h(
          'p',
          { class: 'empty', id: 'rollout-empty' },
          `${image.image} has no latest version in any region yet, and no group of your organization is on its latest.`,
        ),
      ];
    }
    return [banner, ...view.regions.map((r) => regionBlock(r, now))];
  }

  function regionBlock(r: RolloutRegionView, now: Date): HTMLElement {
    const titleId = `rollout-${r.region}-title`;
    // The deployment column only where a group of the region is applied (organizations that apply nothing never see it).
    const applied = r.groups.some((g) => g.deployment !== undefined);
    return h(
      'section',
      { class: 'rollout-region', 'data-region': r.region, 'aria-labelledby': titleId },
      h(
        'h4',
        { id: titleId },
        r.region,
        ': ',
        r.latestVersion ? ['latest ', h('span', { class: 'badge latest' }, r.latestVersion)] : 'no latest version',
        ' · ',
        h('span', { class: 'counts' }, countsText(r.counts)),
      ),
      r.groups.length === 0
        ? h(
            'p',
            { class: 'empty' },
            r.latestVersion
              ? `No group of your organization is on latest in ${r.region}: nothing rolls here.`
              : `No group of your organization is on latest in ${r.region}.`,
          )
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'matrix rollout' },
              h('caption', { class: 'hint' }, `Groups on latest in ${r.region}, what needs attention first`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Group', 'State', 'Runs', ...(applied ? ['Deployment'] : []), 'Roll job', 'Detail'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                sortedGroups(r.groups).map((g) => groupRow(g, r, now, applied)),
              ),
            ),
          ),
    );
  }

  function groupRow(g: RolloutGroupView, r: RolloutRegionView, now: Date, applied: boolean): HTMLTableRowElement {
    const tone = STATE_TONE[g.state];
    const detail = groupDetail(g, r.latestVersion, now);
    return h(
      'tr',
      { 'data-group': g.name, 'data-state': g.state },
      h(
        'th',
        { scope: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'link group-link',
            'aria-controls': 'rolls-section',
            'aria-label': `${g.name}: roll history`,
            onclick: () => void openRolls(g),
          },
          g.name,
        ),
        h('span', { class: 'version-meta' }, `${KIND_TEXT[g.kind] ?? g.kind} of ${g.account}`),
      ),
      h('td', { class: `cell-${tone} state` }, h('span', { class: 'cell-state' }, stateText(g))),
      runsCell(g, r.latestVersion, now),
      applied ? deploymentCell(g) : null,
      h(
        'td',
        { class: 'job' },
        g.rollJobId
          ? jobLink(g.rollJobId)
          : h('span', { class: 'empty' }, g.state === 'rolled' ? 'none (on latest when created)' : 'none yet'),
      ),
      h(
        'td',
        { class: 'detail', 'data-not-before': g.state === 'soaking' ? g.notBefore : undefined },
        g.state === 'failed'
          ? h(
              'ul',
              { class: 'reasons failures' },
              detail.map((d) => h('li', {}, d)),
            )
          : detail.join(' '),
        g.apply
          ? h(
              'div',
              { class: 'apply', 'data-phase': g.apply.phase },
              `Apply: ${applySummary(g.apply, now)}`,
              g.apply.lastFailure ? ` · last failure: ${g.apply.lastFailure}` : '',
            )
          : null,
      ),
    );
  }

  /** Where an applied group is: its scale set or VM (the full id on hover and in the text), its state, the VMs on each version. */
  function deploymentCell(g: RolloutGroupView): HTMLTableCellElement {
    const d = g.deployment;
    if (!d) return h('td', { class: 'deployment' }, h('span', { class: 'empty' }, 'not applied'));
    return h(
      'td',
      { class: 'deployment', 'data-resource-id': d.resourceId },
      h('code', { class: 'resource', title: d.resourceId }, resourceName(d.resourceId)),
      h('div', { class: 'summary' }, deploymentSummary(d)),
      h('div', { class: 'version-meta resource-id' }, d.resourceId),
    );
  }

  /** The version the group runs, and the roll under way ("1.10.0, rolling to 1.13.0 in 12 min"). */
  function runsCell(g: RolloutGroupView, latest: string | undefined, now: Date): HTMLTableCellElement {
    const text = runsText(g, latest, now);
    const cell = h('td', { class: 'runs' }, text ?? h('span', { class: 'empty' }, 'unknown'));
    if (g.state === 'soaking' && text !== undefined) soakingRuns.set(cell, { group: g, latest });
    return cell;
  }

  async function openRolls(g: RolloutGroupView): Promise<void> {
    const g0 = generation;
    rollsSection.hidden = false;
    byId('rolls-title').textContent = `Roll history of ${g.name}`;
    rollsOut.className = 'loading';
    clear(rollsOut, 'Loading…');
    byId('rolls-title').focus();
    try {
      // The history lists a roll still queued or running (soaking, pending) first.
      const answer = await get<GroupRollsView>(`groups/${seg(g.account)}/${seg(g.kind)}/${seg(g.name)}/rolls`);
      if (g0 !== generation) return;
      rollsOut.className = '';
      clear(rollsOut, renderRolls(answer));
    } catch (err) {
      if (g0 !== generation) return;
      rollsOut.className = 'status';
      report(err, rollsOut);
    }
  }

  function renderRolls(a: GroupRollsView): Node[] {
    const grp = a.group;
    const last = grp.lastRoll;
    return [
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Group'),
        h(
          'dd',
          {},
          `${KIND_TEXT[grp.kind] ?? grp.kind} ${grp.name} of ${grp.account} in ${grp.region}, on ${versionName(grp.imageVersionId) ?? 'an unknown version'}`,
        ),
        h('dt', {}, 'Policy'),
        h('dd', { id: 'rolls-policy' }, policyText(grp.autoRoll)),
        h('dt', {}, 'Last roll'),
        h('dd', { id: 'rolls-last' }, lastRollText(last), last ? [' · ', jobLink(last.jobId)] : null),
      ),
      a.rolls.length === 0
        ? h('p', { class: 'empty' }, 'No roll job yet: the group has not been rolled by auto-roll.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'matrix rolls', id: 'rolls-table' },
              h('caption', { class: 'hint' }, `Roll jobs of ${grp.name}, newest first`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Roll job', 'To version', 'Status', 'When', 'Errors'].map((t) => h('th', { scope: 'col' }, t)),
                ),
              ),
              h(
                'tbody',
                {},
                a.rolls.map((r) =>
                  h(
                    'tr',
                    { 'data-job': r.jobId },
                    h('th', { scope: 'row' }, jobLink(r.jobId)),
                    h('td', {}, r.toVersion),
                    h(
                      'td',
                      { class: `cell-${jobStatusTone(r.status)}` },
                      h('span', { class: 'cell-state' }, jobStatusText(r.status)),
                    ),
                    h(
                      'td',
                      {},
                      [
                        r.finishedAt
                          ? `finished ${timeText(r.finishedAt)}`
                          : r.submittedAt
                            ? `submitted ${timeText(r.submittedAt)}`
                            : '',
                        r.notBefore && !r.finishedAt ? `not before ${timeText(r.notBefore)}` : '',
                      ]
                        .filter(Boolean)
                        .join(' · '),
                    ),
                    h(
                      'td',
                      {},
                      r.errors.length === 0
                        ? h('span', { class: 'empty' }, 'none')
                        : h(
                            'ul',
                            { class: 'reasons' },
                            r.errors.map((e) => h('li', {}, e.code ? `${e.code}: ${e.message}` : e.message)),
                          ),
                    ),
                  ),
                ),
              ),
            ),
          ),
    ];
  }

  byId('rollout-refresh').addEventListener('click', () => void load());
  // The soak time left counts down while the page is open.
  window.setInterval(() => {
    if (section.hidden) return;
    for (const td of out.querySelectorAll<HTMLElement>('td[data-not-before]'))
      td.textContent = soakText(td.dataset.notBefore ?? '', new Date());
    for (const [td, { group, latest }] of soakingRuns) {
      if (!td.isConnected) soakingRuns.delete(td);
      else td.textContent = runsText(group, latest, new Date()) ?? '';
    }
  }, 30_000);
  imageHooks.push((image) => {
    current = image;
    void load();
  });
}
