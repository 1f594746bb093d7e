/**
 * The images page: Spot's four pickers (Image Resource Group → Gallery Name → Image Name → Version)
 * over the cascade API, across every subscription holding an image the caller sees; then, for the
 * chosen definition, the versions × regions matrix and the `latest` answer of a region.
 */
import { all, get, seg } from './api.js';
import { byId, clear, h } from './dom.js';
import {
  buildMatrix,
  type GalleryChoice,
  type LatestView,
  type Matrix,
  type MatrixRow,
  type VersionView,
} from '../model.js';
import type { ImageFacts } from '../job-body.js';
import { versionHash, type VersionLocation } from '../replica-view.js';

interface ResourceGroup {
  name: string;
  subscriptionId: string;
  galleries: number;
}
interface Gallery {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  visibleVia: string;
}
type Image = ImageFacts & { publisher: string; offer: string; sku: string };

/**
 * Extension points of the matrix for data other APIs add: a column per version (e.g. the groups
 * running each version), a footer row per region about the chosen version (e.g. its replicas
 * against the recommended count), and what to show under the matrix for the chosen version. A hook
 * answers at once (it may fill its element when its own answer arrives), so one slow or failing
 * API never holds back the matrix.
 */
export interface MatrixContext {
  readonly image: ImagePath;
  readonly matrix: Matrix;
  /** The version picked with the Version picker (`latest` included), if any. */
  readonly chosen?: string;
}
export interface MatrixColumnHook {
  readonly title: string;
  /** The cell of one version's row (rendered with the matrix). */
  render(row: MatrixRow, ctx: MatrixContext): Node | string;
}
export interface MatrixFooterHook {
  /** The row's heading for the current choice; undefined leaves the row out. */
  title(ctx: MatrixContext): string | undefined;
  /** The content of one region's cell, rendered again on every choice; `cell` is that cell. */
  render(region: string, ctx: MatrixContext, cell: HTMLTableCellElement): Node | string;
}
/** Called on every choice (none included) once the matrix is shown. */
export type ChosenHook = (ctx: MatrixContext) => void;
export const matrixColumnHooks: MatrixColumnHook[] = [];
export const matrixFooterHooks: MatrixFooterHook[] = [];
export const chosenHooks: ChosenHook[] = [];
/** Called when an image definition is picked (undefined when the choice is cleared), before its versions load. */
export type ImageHook = (image: ImagePath | undefined) => void;
export const imageHooks: ImageHook[] = [];

export interface ImagePath {
  subscriptionId: string;
  resourceGroup: string;
  gallery: string;
  image: string;
}

/** One picker: an input with a datalist (type-ahead), whose value must be one of its options. */
class Picker<T> {
  private items = new Map<string, T>();
  private picked: string | undefined;
  private summary = '';
  readonly input: HTMLInputElement;
  private readonly list: HTMLDataListElement;
  private readonly hint: HTMLElement;

  constructor(
    key: string,
    label: string,
    private readonly noun: string,
    private readonly onPick: (item: T | undefined) => void,
  ) {
    // label, input (type-ahead from its datalist), and a hint that counts the options or says what is wrong
    this.input = h('input', {
      id: `pick-${key}`,
      list: `list-${key}`,
      'aria-describedby': `hint-${key}`,
      disabled: true,
    });
    this.list = h('datalist', { id: `list-${key}` });
    this.hint = h('span', { class: 'field-hint', id: `hint-${key}` });
    byId('cascade').append(
      h('div', { class: 'field' }, h('label', { for: `pick-${key}` }, label), this.input, this.list, this.hint),
    );
    const commit = (strict: boolean): void => {
      const item = this.items.get(this.input.value);
      const bad = strict && this.input.value !== '' && item === undefined;
      this.input.setAttribute('aria-invalid', String(bad));
      if (bad)
        this.hint.textContent = `No ${this.noun} "${this.input.value}" here: pick one of the ${this.items.size} listed.`;
      else this.hint.textContent = this.summary;
      const label = item === undefined ? undefined : this.input.value;
      if ((item !== undefined || strict) && label !== this.picked) {
        this.picked = label;
        this.onPick(item);
      }
    };
    this.input.addEventListener('input', () => commit(false));
    this.input.addEventListener('change', () => commit(true));
  }

  /** The options (label → item); `summary` replaces the hint's default count. */
  fill(entries: [label: string, item: T][], summary?: string): void {
    this.items = new Map(entries);
    this.picked = undefined;
    clear(
      this.list,
      entries.map(([label]) => h('option', { value: label })),
    );
    this.input.value = '';
    this.input.disabled = false;
    this.input.removeAttribute('aria-invalid');
    this.summary =
      summary ??
      (entries.length === 0
        ? `No ${this.noun} visible to you`
        : `${entries.length} ${this.noun}${entries.length === 1 ? '' : 's'}`);
    this.hint.textContent = this.summary;
  }

  /** Picks the first option whose item matches, as if typed, without calling back; undefined when none matches. */
  choose(match: (item: T) => boolean): T | undefined {
    for (const [label, item] of this.items) {
      if (!match(item)) continue;
      this.input.value = label;
      this.picked = label;
      this.input.removeAttribute('aria-invalid');
      this.hint.textContent = this.summary;
      return item;
    }
    return undefined;
  }

  reset(): void {
    this.items.clear();
    this.picked = undefined;
    this.list.replaceChildren();
    this.input.value = '';
    this.input.disabled = true;
    this.input.removeAttribute('aria-invalid');
    this.hint.textContent = '';
  }
}

/** What the job page needs to build a body for the chosen image (see jobs.ts). */
export interface ImageUse {
  readonly choice: GalleryChoice;
  readonly image: ImageFacts;
  /** The subscription holding the gallery. */
  readonly subscriptionId: string;
  readonly matrix: Matrix;
  /** The OS disk size of each version (GB), when ARM reported it. */
  readonly osDiskSizeGB: Readonly<Record<string, number | undefined>>;
}

/** Hands the choice to the job page (see jobs.ts) and opens it. */
function useInJob(use: ImageUse): void {
  window.dispatchEvent(new CustomEvent<ImageUse>('console:use-image', { detail: use }));
  window.location.hash = '#/jobs';
}

export interface Catalog {
  /** Picks a version as the four pickers would (a link of the advice page); says so when the caller cannot see it. */
  open(location: VersionLocation): Promise<void>;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function startCatalog(report: (err: unknown, where: HTMLElement) => void): Catalog {
  const status = byId('catalog-status');
  let rg: ResourceGroup | undefined;
  let gallery: Gallery | undefined;
  let image: ImagePath | undefined;
  let imageFacts: Image | undefined;
  let versions: VersionView[] = [];
  let shown: MatrixContext | undefined; // the matrix on screen
  let footer: HTMLTableSectionElement | undefined;
  let generation = 0; // answers of an earlier choice are dropped

  // Spot's order, left to right.
  const rgPicker = new Picker<ResourceGroup>('rg', 'Image Resource Group', 'resource group', (r) => void pickRg(r));
  const galleryPicker = new Picker<Gallery>('gallery', 'Gallery Name', 'gallery', (g) => void pickGallery(g));
  const imagePicker = new Picker<Image>('image', 'Image Name', 'image definition', (i) => void pickImage(i));
  const versionPicker = new Picker<string>('version', 'Version', 'version', (v) => showChoice(v));

  const busy = async <T>(text: string, work: () => Promise<T>): Promise<T | undefined> => {
    status.className = 'status';
    status.textContent = text;
    try {
      const out = await work();
      status.textContent = '';
      return out;
    } catch (err) {
      report(err, status);
      return undefined;
    }
  };

  async function pickRg(r: ResourceGroup | undefined): Promise<void> {
    rg = r;
    gallery = undefined;
    galleryPicker.reset();
    await pickImage(undefined);
    if (!r) return;
    const g = ++generation;
    const galleries = await busy(`Loading the galleries of ${r.name}…`, () =>
      all<Gallery>(`subscriptions/${seg(r.subscriptionId)}/resourceGroups/${seg(r.name)}/galleries`),
    );
    if (galleries && g === generation) galleryPicker.fill(galleries.map((x) => [x.name, x]));
  }

  async function pickGallery(x: Gallery | undefined): Promise<void> {
    gallery = x;
    imagePicker.reset();
    await pickImage(undefined);
    if (!x || !rg) return;
    const g = ++generation;
    const images = await busy(`Loading the image definitions of ${x.name}…`, () =>
      all<Image>(
        `subscriptions/${seg(x.subscriptionId)}/resourceGroups/${seg(x.resourceGroup)}/galleries/${seg(x.name)}/images`,
      ),
    );
    if (images && g === generation) imagePicker.fill(images.map((i) => [i.name, i]));
  }

  async function pickImage(i: Image | undefined): Promise<void> {
    versionPicker.reset();
    image =
      i && gallery
        ? {
            subscriptionId: gallery.subscriptionId,
            resourceGroup: gallery.resourceGroup,
            gallery: gallery.name,
            image: i.name,
          }
        : undefined;
    imageFacts = i;
    versions = [];
    shown = undefined;
    byId('matrix-section').hidden = true;
    byId('latest-section').hidden = true;
    showChoice(undefined);
    for (const hook of imageHooks) hook(image);
    if (!image) return;
    const g = ++generation;
    const chosen = image;
    const base = `subscriptions/${seg(chosen.subscriptionId)}/resourceGroups/${seg(chosen.resourceGroup)}/galleries/${seg(chosen.gallery)}/images/${seg(chosen.image)}/versions`;
    const loaded = await busy(`Loading the versions of ${chosen.image}…`, async () => {
      const list = await all<VersionView>(base);
      const regions = [...new Set(list.flatMap((v) => v.targetRegions.map((t) => t.region)))];
      const perRegion: Record<string, { versions: VersionView[]; latest: LatestView }> = {};
      await Promise.all(
        regions.map(async (r) => {
          const [withDeployability, latest] = await Promise.all([
            all<VersionView>(`${base}?region=${seg(r)}`),
            get<LatestView>(`${base}/latest?region=${seg(r)}`),
          ]);
          perRegion[r] = { versions: withDeployability, latest };
        }),
      );
      return { list, matrix: buildMatrix(list, perRegion), perRegion };
    });
    if (!loaded || g !== generation) return;
    versions = loaded.list;
    versionPicker.fill(
      [['latest', 'latest'], ...versions.map((v): [string, string] => [v.name, v.name])],
      `latest or one of ${versions.length} version${versions.length === 1 ? '' : 's'}`,
    );
    renderMatrix(loaded.matrix, chosen);
    renderLatest(loaded.matrix, loaded.perRegion);
    showChoice(undefined);
  }

  function showChoice(version: string | undefined): void {
    const box = byId('choice');
    for (const tr of document.querySelectorAll('#matrix tr[data-version]'))
      tr.classList.toggle('chosen', tr.getAttribute('data-version') === version);
    if (shown) {
      const ctx: MatrixContext = version ? { ...shown, chosen: version } : shown;
      renderFooters(ctx);
      for (const hook of chosenHooks) hook(ctx);
    }
    // The address names the chosen version, so it can be shared or reloaded.
    if (/^(#\/?catalog\b.*)?$/.test(window.location.hash)) {
      const hash = version && image ? versionHash({ ...image, version }) : '#/catalog';
      if (window.location.hash !== hash && !(hash === '#/catalog' && window.location.hash === ''))
        window.history.replaceState(null, '', hash);
    }
    if (!version || !image) {
      box.hidden = true;
      return;
    }
    const spot = {
      resourceGroupName: image.resourceGroup,
      galleryName: image.gallery,
      imageName: image.image,
      version,
    };
    const facts = imageFacts;
    const matrix = shown?.matrix;
    const use = (): void => {
      if (!facts || !matrix || !image) return;
      useInJob({
        choice: spot,
        image: facts,
        subscriptionId: image.subscriptionId,
        matrix,
        osDiskSizeGB: Object.fromEntries(versions.map((v) => [v.name, v.osDiskSizeGB])),
      });
    };
    const id = version === 'latest' ? undefined : versions.find((v) => v.name === version)?.id;
    clear(
      box,
      h('strong', {}, `Chosen: ${image.image} ${version}`),
      id
        ? h('div', {}, h('code', {}, id))
        : h('div', {}, 'latest resolves per region: see the matrix and the answer below.'),
      h(
        'div',
        {},
        'Spot ',
        h('code', {}, 'compute.launchSpecification.image.gallery'),
        ' (with ',
        h('code', {}, 'spotAccountId'),
        ' when the gallery is in another account):',
      ),
      h('pre', {}, JSON.stringify(spot, null, 2)),
      h('button', { type: 'button', id: 'use-in-job', onclick: use }, 'Use in a group job'),
    );
    box.hidden = false;
  }

  function renderMatrix(m: Matrix, path: ImagePath): void {
    const ctx: MatrixContext = { image: path, matrix: m };
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'Version'),
      m.regions.map((r) =>
        h(
          'th',
          { scope: 'col' },
          m.regionNames[r] ?? r,
          h('span', { class: 'version-meta' }, r, m.latest[r] ? ` · latest ${m.latest[r]}` : ' · no latest'),
        ),
      ),
      matrixColumnHooks.map((hook) => h('th', { scope: 'col' }, hook.title)),
    );
    const rows = m.rows.map((row) =>
      h(
        'tr',
        { 'data-version': row.version },
        h(
          'th',
          { scope: 'row' },
          row.version,
          h(
            'span',
            { class: 'version-meta' },
            `${row.provisioningState}${row.replicationMode === 'Shallow' ? ' · shallow' : ''}${row.publishedDate ? ` · published ${row.publishedDate.slice(0, 10)}` : ''}${row.endOfLifeDate ? ` · end of life ${row.endOfLifeDate.slice(0, 10)}` : ''}`,
          ),
          row.warnings.map((w) =>
            h(
              'span',
              { class: 'badge warn', title: w.message },
              w.code === 'end-of-life'
                ? 'past end of life'
                : w.code === 'shallow-replication'
                  ? 'shallow replication'
                  : w.code,
            ),
          ),
        ),
        row.cells.map((c) =>
          h(
            'td',
            { class: `cell-${c.tone}`, 'data-region': c.region },
            h('span', { class: 'cell-state' }, c.state),
            c.replicaCount !== undefined
              ? h(
                  'span',
                  { class: 'version-meta' },
                  `${c.replicaCount} replica${c.replicaCount === 1 ? '' : 's'} · ${c.storageAccountType ?? ''}`,
                )
              : null,
            c.latest ? h('span', { class: 'badge latest' }, 'latest') : null,
            c.excluded
              ? h('span', { class: 'badge excluded' }, c.excluded === 'regional' ? 'excluded here' : 'excluded')
              : null,
            c.reasons.length > 0 && c.tone !== 'absent'
              ? h(
                  'ul',
                  { class: 'reasons' },
                  c.reasons.map((r) => h('li', {}, r.message)),
                )
              : null,
          ),
        ),
        matrixColumnHooks.map((hook) => h('td', { 'data-column': hook.title }, hook.render(row, ctx))),
      ),
    );
    footer = h('tfoot');
    clear(
      byId('matrix'),
      h(
        'table',
        { class: 'matrix' },
        h(
          'caption',
          { class: 'hint' },
          `${path.image}: ${m.rows.length} version${m.rows.length === 1 ? '' : 's'}, newest first`,
        ),
        h('thead', {}, head),
        h('tbody', {}, rows),
        footer,
      ),
    );
    shown = ctx;
    byId('matrix-section').hidden = false;
  }

  /** The footer rows for the current choice (none without one). */
  function renderFooters(ctx: MatrixContext): void {
    if (!footer) return;
    const rows = matrixFooterHooks.flatMap((hook) => {
      const title = hook.title(ctx);
      if (title === undefined) return [];
      return [
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, title),
          ctx.matrix.regions.map((r) => {
            const cell = h('td', { 'data-region': r });
            cell.append(hook.render(r, ctx, cell));
            return cell;
          }),
          matrixColumnHooks.map(() => h('td')),
        ),
      ];
    });
    clear(footer, rows);
  }

  function renderLatest(m: Matrix, perRegion: Record<string, { latest: LatestView }>): void {
    const select = byId<HTMLSelectElement>('latest-region');
    const show = (): void => {
      const answer = perRegion[select.value]?.latest;
      const out = byId('latest-answer');
      if (!answer) return clear(out);
      clear(
        out,
        h(
          'div',
          { class: 'answer' },
          answer.version
            ? h(
                'p',
                {},
                h('strong', {}, `latest in ${m.regionNames[answer.region] ?? answer.region} is ${answer.version}`),
                h('br'),
                h('code', {}, answer.id ?? ''),
              )
            : h('p', {}, h('strong', {}, `No version qualifies as latest in ${answer.region}.`)),
          answer.warnings.length > 0
            ? h(
                'p',
                {},
                'Warnings: ',
                answer.warnings.map((w) => h('span', { class: 'badge warn' }, w.message)),
              )
            : null,
          answer.passedOver.length > 0
            ? [
                h('p', {}, `Passed over (${answer.passedOver.length}), newest first:`),
                h(
                  'ol',
                  { class: 'passed-over' },
                  answer.passedOver.map((p) =>
                    h('li', {}, h('strong', {}, p.version), ': ', p.reasons.map((r) => r.message).join(' ')),
                  ),
                ),
              ]
            : h('p', {}, 'No newer version was passed over.'),
        ),
      );
    };
    clear(
      select,
      m.regions.map((r) => h('option', { value: r }, `${m.regionNames[r] ?? r} (${r})`)),
    );
    select.onchange = show;
    show();
    byId('latest-section').hidden = m.regions.length === 0;
  }

  const ready = busy('Loading the resource groups you can see…', async () => {
    // The subscriptions to ask: every one holding an image definition the caller sees (search spans them all).
    const images = await all<Image>('images');
    const subscriptions = [...new Set(images.map((i) => i.subscriptionId))].sort();
    const groups = (
      await Promise.all(subscriptions.map((s) => all<ResourceGroup>(`subscriptions/${seg(s)}/resourceGroups`)))
    ).flat();
    const names = new Map<string, number>();
    for (const r of groups) names.set(r.name.toLowerCase(), (names.get(r.name.toLowerCase()) ?? 0) + 1);
    const label = (r: ResourceGroup): string =>
      (names.get(r.name.toLowerCase()) ?? 0) > 1 ? `${r.name} (subscription ${r.subscriptionId.slice(0, 8)})` : r.name;
    rgPicker.fill(
      groups.sort((a, b) => a.name.localeCompare(b.name)).map((r) => [label(r), r]),
      groups.length === 0
        ? 'No image visible to you yet'
        : `${groups.length} resource group${groups.length === 1 ? '' : 's'} in ${subscriptions.length} subscription${subscriptions.length === 1 ? '' : 's'}`,
    );
  });

  async function open(loc: VersionLocation): Promise<void> {
    await ready;
    const missing = (what: string): void => {
      if (status.classList.contains('error')) return; // a failed request already says why
      status.className = 'status error';
      status.textContent = `${what} is not among the images you can see.`;
    };
    const r = rgPicker.choose(
      (x) => sameName(x.subscriptionId, loc.subscriptionId) && sameName(x.name, loc.resourceGroup),
    );
    if (!r) return missing(`Resource group ${loc.resourceGroup} of subscription ${loc.subscriptionId}`);
    await pickRg(r);
    const g = galleryPicker.choose((x) => sameName(x.name, loc.gallery));
    if (!g) return missing(`Gallery ${loc.gallery}`);
    await pickGallery(g);
    const i = imagePicker.choose((x) => sameName(x.name, loc.image));
    if (!i) return missing(`Image definition ${loc.image}`);
    await pickImage(i);
    const v = versionPicker.choose((x) => sameName(x, loc.version));
    if (!v) return missing(`Version ${loc.version} of ${loc.image}`);
    showChoice(v);
    document.querySelector(`#matrix tr[data-version="${CSS.escape(v)}"]`)?.scrollIntoView({ block: 'center' });
  }

  return { open };
}
