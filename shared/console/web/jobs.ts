/**
 * The group jobs page: paste a Spot body or start from a template, submit it (POST /api/groups/jobs),
 * follow the job (GET /api/groups/jobs/{id}) until it settles, and show each error at its field:
 * envelope fields at their inputs, body fields on their own line of the submitted body.
 */
import { ApiError, call, get, seg } from './api.js';
import { byId, clear, h } from './dom.js';
import type { ImageUse } from './catalog.js';
import {
  errorSegments,
  jsonLines,
  kindOfBody,
  placeErrors,
  segmentsText,
  type FieldError,
  type Segment,
} from '../model.js';
import { jobHash, rollOfJob, rollText, type GroupRollsView, type JobApplyView } from '../rollout.js';
import { applySummary, phaseTone, planBodyText, planTitle, type JobPlanView } from '../apply-view.js';
import {
  freshGroupName,
  galleryAccount,
  jobBody,
  jobRegion,
  ownAccounts,
  type CallerAccountsView,
  type VersionSizesView,
} from '../job-body.js';

interface Job {
  jobId: string;
  status: string;
  kind?: string;
  account?: string;
  notBefore?: string;
  group?: { kind: string; name: string };
  resolvedImageVersionId?: string;
  attempts: number;
  errors: FieldError[];
  warnings: FieldError[];
  lastError?: string;
  plan?: JobPlanView;
  apply?: JobApplyView;
}

interface Template {
  name: string;
  title: string;
  file: string;
}

const ENVELOPE_FIELDS: Record<string, { input: string; error: string }> = {
  'caller.account': { input: 'job-account', error: 'err-caller-account' },
  caller: { input: 'job-account', error: 'err-caller-account' },
  action: { input: 'job-action', error: 'err-action' },
  jobId: { input: 'job-id', error: 'err-jobId' },
};
const SETTLED = new Set(['succeeded', 'failed', 'deadLettered']);
/** The account of the last accepted job, offered again next time (this browser only). */
const ACCOUNT_KEY = 'gallery-catalog.account';

export interface Jobs {
  /** Shows a job on the page and follows it until it settles (a link from the rollout view). */
  open(jobId: string): void;
}

export function startJobs(report: (err: unknown, where: HTMLElement) => void): Jobs {
  const form = byId<HTMLFormElement>('job-form');
  const bodyInput = byId<HTMLTextAreaElement>('job-body');
  const jobIdInput = byId<HTMLInputElement>('job-id');
  const status = byId('job-status');
  const templateSelect = byId<HTMLSelectElement>('job-template');
  jobIdInput.value = crypto.randomUUID();
  const accountInput = byId<HTMLInputElement>('job-account');
  const accountHint = byId('hint-account');
  const bodyHint = byId('hint-body');
  const bodyError = byId('err-body');

  // The caller's own accounts, offered in the account field (the one used last, when it is still
  // one of them), unless the user has typed there meanwhile.
  let typed = false;
  accountInput.addEventListener('input', () => (typed = true), { once: true });
  const me: Promise<CallerAccountsView | undefined> = get<CallerAccountsView>('me').then(
    (answer) => {
      const own = ownAccounts(answer);
      clear(
        byId('list-account'),
        own.map((a) => h('option', { value: a.account }, a.subscriptionId)),
      );
      const remembered = window.localStorage.getItem(ACCOUNT_KEY);
      if (!typed && accountInput.value === '')
        accountInput.value = own.find((a) => a.account === remembered)?.account ?? own[0]?.account ?? '';
      accountHint.textContent =
        own.length === 0
          ? `You act for no account of ${answer.displayName ?? answer.organization}: ask an administrator to add you to one.`
          : `The account you act for (caller.account): ${own.map((a) => a.account).join(', ')}`;
      return answer;
    },
    (err: unknown) => {
      report(err, accountHint);
      return undefined;
    },
  );

  void get<Template[]>('console/templates/index.json')
    .then((templates) => {
      for (const t of templates) templateSelect.append(h('option', { value: t.file }, t.title));
    })
    .catch(() => undefined); // templates are a convenience: the page works without them

  templateSelect.addEventListener('change', () => {
    if (!templateSelect.value) return;
    void get<unknown>(`console/templates/${templateSelect.value}`).then(
      (body) => {
        bodyInput.value = JSON.stringify(body, null, 2);
        jobIdInput.value = crypto.randomUUID();
      },
      (err: unknown) => report(err, bodyError),
    );
  });

  /** The body for an image chosen on the images page: the current body (or the first template) made to pass for it. */
  async function useImage(use: ImageUse): Promise<void> {
    bodyError.textContent = '';
    bodyError.classList.remove('error');
    bodyHint.textContent = `Building a body for ${use.choice.imageName} ${use.choice.version}…`;
    const current = ((): unknown => {
      try {
        return JSON.parse(bodyInput.value);
      } catch {
        return undefined;
      }
    })();
    const template = kindOfBody(current)
      ? current
      : await get<unknown>(
          `console/templates/${templateSelect.options[1]?.value ?? 'elastigroup-gallery-latest.json'}`,
        );
    const spec = (template as Record<string, { region?: unknown } | undefined>)[
      kindOfBody(template) === 'statefulNode' ? 'statefulNode' : 'group'
    ];
    const fail = (problem: string): void => {
      bodyHint.textContent = '';
      bodyError.textContent = problem;
    };
    const answer = await me;
    const account = accountInput.value.trim();
    if (!answer || account === '') return fail('Name the account you act for first: the body uses its VM sizes.');
    const target = jobRegion(
      use.matrix,
      use.choice.version,
      typeof spec?.region === 'string' ? spec.region : undefined,
    );
    if (!target)
      return fail(
        `${use.choice.imageName} ${use.choice.version} cannot be deployed in any region yet: no body can pass for it.`,
      );
    const holder = galleryAccount(use.subscriptionId, account, answer.accounts);
    if ('problem' in holder) return fail(holder.problem);
    const p = use.choice;
    const sizes = await get<VersionSizesView>(
      `subscriptions/${seg(use.subscriptionId)}/resourceGroups/${seg(p.resourceGroupName)}/galleries/${seg(p.galleryName)}/images/${seg(p.imageName)}/versions/${seg(target.version)}/vmSizes?region=${seg(target.region)}&account=${seg(account)}`,
    );
    const osDiskSizeGB = use.osDiskSizeGB[target.version];
    const name = freshGroupName(p.imageName, crypto.randomUUID());
    const built = jobBody(template, {
      choice: p,
      image: use.image,
      region: target.region,
      sizes,
      name,
      ...(holder.spotAccountId ? { spotAccountId: holder.spotAccountId } : {}),
      ...(osDiskSizeGB === undefined ? {} : { osDiskSizeGB }),
    });
    if ('problem' in built) return fail(built.problem);
    bodyInput.value = JSON.stringify(built.body, null, 2);
    bodyInput.removeAttribute('aria-invalid');
    jobIdInput.value = crypto.randomUUID();
    const version =
      p.version === 'latest' ? `latest (${target.version} in ${target.region})` : `${p.version} in ${target.region}`;
    bodyHint.textContent = [
      `Built for ${p.imageName} ${version}: group ${name}, ${built.sizes.join(', ')} (sizes of ${account} that can run it), ${sizes.securityType ?? 'no'} security type${holder.spotAccountId ? `, gallery of ${holder.spotAccountId}` : ''}.`,
      ...built.notes,
    ].join(' ');
  }

  // An image chosen on the images page goes into the body (the first template when there is none yet).
  window.addEventListener('console:use-image', (event) => {
    void useImage((event as CustomEvent<ImageUse>).detail).catch((err: unknown) => {
      bodyHint.textContent = '';
      report(err, bodyError);
    });
  });

  const clearErrors = (): void => {
    for (const id of ['err-caller-account', 'err-action', 'err-jobId', 'err-body']) byId(id).textContent = '';
    for (const id of ['job-account', 'job-action', 'job-id', 'job-body']) byId(id).removeAttribute('aria-invalid');
    clear(byId('job-errors'));
  };

  /** Puts every error at its field; body errors on their line of `body`. */
  const showErrors = (errors: readonly FieldError[], body: unknown): void => {
    const forBody: { segments: readonly Segment[]; message: string }[] = [];
    const elsewhere: { where: string; message: string }[] = [];
    for (const e of errors) {
      const segments = errorSegments(e);
      const message = e.code ? `${e.message} (${e.code})` : e.message;
      const dotted = segmentsText(segments);
      const field = ENVELOPE_FIELDS[dotted];
      if (segments[0] === 'body' && body !== undefined) forBody.push({ segments: segments.slice(1), message });
      else if (field) {
        byId(field.error).textContent = [byId(field.error).textContent, message].filter(Boolean).join(' ');
        byId(field.input).setAttribute('aria-invalid', 'true');
      } else elsewhere.push({ where: dotted || 'the request', message });
    }
    const out = byId('job-errors');
    if (elsewhere.length > 0)
      out.append(
        h(
          'ul',
          { class: 'error-list' },
          elsewhere.map((e) => h('li', {}, h('code', {}, e.where), `: ${e.message}`)),
        ),
      );
    if (forBody.length === 0) return;
    bodyInput.setAttribute('aria-invalid', 'true');
    byId('err-body').textContent =
      `${forBody.length} error${forBody.length === 1 ? '' : 's'} in the body: each is shown under its field below.`;
    const lines = jsonLines(body);
    placeErrors(lines, forBody);
    // The body as submitted, formatted like the annotated copy: line i of one is line i of the other.
    bodyInput.value = JSON.stringify(body, null, 2);
    const goTo = (index: number): void => {
      const text = bodyInput.value.split('\n');
      const start = text.slice(0, index).reduce((n, l) => n + l.length + 1, 0);
      bodyInput.focus();
      bodyInput.setSelectionRange(start, start + (text[index]?.length ?? 0));
      bodyInput.scrollTop = Math.max(0, (index - 3) * (bodyInput.scrollHeight / text.length));
    };
    const summary = h(
      'h4',
      { tabindex: -1, id: 'job-error-summary' },
      `${forBody.length} error${forBody.length === 1 ? '' : 's'} in the body`,
    );
    out.append(
      summary,
      h(
        'ul',
        { class: 'error-list' },
        lines.flatMap((l, i) =>
          l.errors.map((m) => {
            const field = segmentsText(['body', ...l.path]);
            return h(
              'li',
              {},
              h('code', {}, field),
              `: ${m} `,
              h(
                'button',
                { type: 'button', class: 'link', onclick: () => goTo(i), 'aria-label': `Go to ${field} in the body` },
                'Go to field',
              ),
            );
          }),
        ),
      ),
      h('h4', {}, 'The body, with each error at its field'),
      h(
        'div',
        { class: 'annotated', role: 'list' },
        lines.map((l) => {
          const field = segmentsText(['body', ...l.path]);
          return h(
            'div',
            { role: 'listitem', 'data-path': field },
            h('div', { class: `line${l.errors.length > 0 ? ' has-error' : ''}` }, '  '.repeat(l.depth) + l.text),
            l.errors.map((m) => h('div', { class: 'line-error', 'data-error-for': field }, `↑ ${field}: ${m}`)),
          );
        }),
      ),
    );
    summary.focus();
  };

  /** A roll job's group as its roll history shows it (the version it ran, its last roll); undefined when not readable. */
  const rollGroup = async (job: Job): Promise<GroupRollsView['group'] | undefined> => {
    if (!job.account || !job.group) return undefined;
    try {
      return (
        await get<GroupRollsView>(`groups/${seg(job.account)}/${seg(job.group.kind)}/${seg(job.group.name)}/rolls`)
      ).group;
    } catch {
      return undefined; // the job page still says which roll it is, without the version it rolls from
    }
  };

  /** Where the job's apply is: its phase, the request under way and the attempt, the next check, the failure it follows. */
  const applyBlock = (apply: JobApplyView, now: Date): (Node | null)[] => [
    h(
      'p',
      { id: 'job-apply-summary', class: `cell-${phaseTone(apply.phase)} apply-phase`, 'data-phase': apply.phase },
      applySummary(apply, now),
    ),
    h(
      'ul',
      { class: 'reasons' },
      apply.resourceId ? h('li', { 'data-field': 'resourceId' }, 'Resource ', h('code', {}, apply.resourceId)) : null,
      apply.blockedBy
        ? h(
            'li',
            { 'data-field': 'blockedBy' },
            'Waits for the job that applies the same group first: ',
            h('a', { href: jobHash(apply.blockedBy), class: 'job-link' }, apply.blockedBy),
          )
        : null,
      apply.lastFailure ? h('li', { 'data-field': 'lastFailure' }, `Last failure: ${apply.lastFailure}`) : null,
    ),
  ];

  /** The requests the job makes (or would make, in plan mode) at its target, each body pretty-printed. */
  const planBlock = (plan: JobPlanView): (Node | null)[] => [
    h('p', { id: 'job-plan-title' }, planTitle(plan)),
    h(
      'ol',
      { class: 'plan' },
      plan.requests.map((r, i) =>
        h(
          'li',
          { class: 'plan-request', 'data-method': r.method },
          h('p', {}, h('code', { class: 'method' }, r.method), ' ', h('code', { class: 'url' }, r.url)),
          h('pre', { class: 'plan-body', tabindex: 0, 'aria-label': `Body of request ${i + 1}` }, planBodyText(r)),
        ),
      ),
    ),
    plan.notes && plan.notes.length > 0
      ? h(
          'ul',
          { class: 'reasons plan-notes' },
          plan.notes.map((n) => h('li', {}, n)),
        )
      : null,
  ];

  let following = 0; // a newer job shown stops following the earlier one
  const follow = async (jobId: string, body: unknown): Promise<void> => {
    const mine = ++following;
    const roll = rollOfJob(jobId);
    if (roll) byId('job-result-title').textContent = `Roll job ${jobId}`;
    for (let i = 0; i < 600; i++) {
      const job = await get<Job>(`groups/jobs/${encodeURIComponent(jobId)}`);
      const group = roll ? await rollGroup(job) : undefined;
      if (mine !== following) return;
      status.className = `status${job.status === 'failed' || job.status === 'deadLettered' ? ' error' : ''}`;
      status.textContent = `Job ${job.jobId}: ${job.status}${SETTLED.has(job.status) ? '' : '…'}`;
      clear(
        byId('job-details'),
        h(
          'dl',
          {},
          roll ? [h('dt', {}, 'Roll'), h('dd', { id: 'job-roll' }, rollText(roll, job, group, new Date()))] : null,
          job.group ? [h('dt', {}, 'Group'), h('dd', {}, `${job.group.kind} ${job.group.name}`)] : null,
          job.resolvedImageVersionId
            ? [h('dt', {}, 'Image version'), h('dd', {}, h('code', {}, job.resolvedImageVersionId))]
            : null,
          job.warnings.length > 0
            ? [
                h('dt', {}, 'Warnings'),
                h(
                  'dd',
                  {},
                  h(
                    'ul',
                    {},
                    job.warnings.map((w) => h('li', {}, `${w.message} (${w.code ?? ''})`)),
                  ),
                ),
              ]
            : null,
          job.lastError ? [h('dt', {}, 'Last error'), h('dd', {}, job.lastError)] : null,
          job.apply ? [h('dt', {}, 'Apply'), h('dd', { id: 'job-apply' }, applyBlock(job.apply, new Date()))] : null,
          job.plan ? [h('dt', {}, 'Plan'), h('dd', { id: 'job-plan' }, planBlock(job.plan))] : null,
        ),
      );
      if (SETTLED.has(job.status)) {
        clearErrors();
        showErrors(job.errors, body);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(250 * (i + 1), 2000)));
      if (mine !== following) return;
    }
    status.textContent = 'Still running: reload the page or open the job later.';
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    byId('job-result').hidden = false;
    byId('job-result-title').textContent = 'Job';
    clear(byId('job-details'));
    let body: unknown;
    try {
      body = JSON.parse(bodyInput.value);
    } catch (err) {
      bodyInput.setAttribute('aria-invalid', 'true');
      byId('err-body').textContent = `The body is not valid JSON: ${(err as Error).message}`;
      status.textContent = 'Not submitted.';
      bodyInput.focus();
      return;
    }
    const kind = kindOfBody(body);
    if (!kind) {
      bodyInput.setAttribute('aria-invalid', 'true');
      byId('err-body').textContent =
        'The body must be an object with exactly one of "group" (a stateless group) or "statefulNode".';
      status.textContent = 'Not submitted.';
      bodyInput.focus();
      return;
    }
    const envelope = {
      schemaVersion: 1,
      jobId: jobIdInput.value.trim(),
      action: byId<HTMLSelectElement>('job-action').value,
      kind,
      caller: { account: accountInput.value.trim() },
      body,
    };
    const submit = byId<HTMLButtonElement>('job-submit');
    submit.disabled = true;
    status.className = 'status';
    status.textContent = 'Submitting…';
    void call<{ jobId: string; status: string }>('groups/jobs', { method: 'POST', body: JSON.stringify(envelope) })
      .then(async (res) => {
        status.textContent = `Job ${res.body.jobId}: ${res.body.status}`;
        window.localStorage.setItem(ACCOUNT_KEY, envelope.caller.account);
        jobIdInput.value = crypto.randomUUID(); // the next submission is a new job
        await follow(res.body.jobId, body);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.errors.length > 0) {
          status.className = 'status error';
          status.textContent = `Not accepted (${err.status}): ${err.message}`;
          showErrors(err.errors, body);
        } else report(err, status);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  return {
    open(jobId) {
      clearErrors();
      byId('job-result').hidden = false;
      clear(byId('job-details'));
      status.className = 'status';
      status.textContent = `Loading job ${jobId}…`;
      byId('job-result-title').textContent = `Job ${jobId}`;
      void follow(jobId, undefined).catch((err: unknown) => report(err, status));
    },
  };
}
