/**
 * What the web console shows, computed from the API's answers without the DOM (shared by the
 * browser code and its unit tests):
 * - where an error belongs: the API names fields as dotted paths (`body.group.vmSizes[1]`, the
 *   `field` of problem details) or as JSON Pointers (`pointer`, RFC 6901); both become the same
 *   list of segments;
 * - a JSON document as lines, each line knowing the path it shows, so an error is printed under
 *   its own field (or under the nearest enclosing field when the field itself is missing);
 * - the versions × regions matrix of one image definition.
 */

export type Segment = string | number;

/**
 * A fault as the API returns it: an item of problem details `errors[]` (with `field`) or of a job's
 * `errors[]` (located by `pointer` alone). The shape of shared/domain/faults.ts `FieldError`, with
 * the place optional; declared here because the console's browser code is compiled on its own.
 */
export interface FieldError {
  field?: string;
  pointer?: string;
  code?: string;
  message: string;
}

/** RFC 6901: `/body/group/name` → ["body", "group", "name"]; all-digit segments become indexes. */
export function pointerSegments(pointer: string): Segment[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** `body.group.vmSizes.spotSizes[1]`, `a["x.y"].b` → segments. */
export function dottedSegments(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(`"${m[2]}"`) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** The segments an error names: its JSON Pointer when it has one, otherwise its dotted field. */
export function errorSegments(e: FieldError): Segment[] {
  if (typeof e.pointer === 'string') return pointerSegments(e.pointer);
  const dotted = e.field ?? '';
  return dotted === '' ? [] : dottedSegments(dotted);
}

export function segmentsText(segments: readonly Segment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** One line of a pretty-printed JSON document and the path of the value it opens. */
export interface JsonLine {
  readonly depth: number;
  readonly text: string;
  readonly path: readonly Segment[];
  readonly errors: string[];
}

/** Pretty-prints `value` (two-space indent) one line per member, recording each line's path. */
export function jsonLines(value: unknown): JsonLine[] {
  const lines: JsonLine[] = [];
  const emit = (v: unknown, path: Segment[], depth: number, prefix: string, comma: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) return void lines.push({ depth, text: `${prefix}[]${comma}`, path, errors: [] });
      lines.push({ depth, text: `${prefix}[`, path, errors: [] });
      v.forEach((item, i) => emit(item, [...path, i], depth + 1, '', i < v.length - 1 ? ',' : ''));
      lines.push({ depth, text: `]${comma}`, path, errors: [] });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) return void lines.push({ depth, text: `${prefix}{}${comma}`, path, errors: [] });
      lines.push({ depth, text: `${prefix}{`, path, errors: [] });
      entries.forEach(([k, item], i) =>
        emit(item, [...path, k], depth + 1, `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : ''),
      );
      lines.push({ depth, text: `}${comma}`, path, errors: [] });
    } else {
      lines.push({ depth, text: `${prefix}${JSON.stringify(v) ?? 'null'}${comma}`, path, errors: [] });
    }
  };
  emit(value, [], 0, '', '');
  return lines;
}

const samePath = (a: readonly Segment[], b: readonly Segment[]): boolean =>
  a.length === b.length && a.every((s, i) => String(s) === String(b[i]));

/**
 * Puts each error on the first line of its field; a field that is not in the document (a required
 * field left out) goes to its nearest enclosing field, with the missing part named. Returns the
 * errors that found no line (none, as the root always has one).
 */
export function placeErrors(
  lines: JsonLine[],
  errors: readonly { segments: readonly Segment[]; message: string }[],
): { segments: readonly Segment[]; message: string }[] {
  const unplaced: { segments: readonly Segment[]; message: string }[] = [];
  for (const e of errors) {
    let placed = false;
    for (let n = e.segments.length; n >= 0 && !placed; n--) {
      const prefix = e.segments.slice(0, n);
      const line = lines.find((l) => samePath(l.path, prefix));
      if (line) {
        const missing = e.segments.slice(n);
        line.errors.push(missing.length === 0 ? e.message : `${segmentsText(missing)}: ${e.message}`);
        placed = true;
      }
    }
    if (!placed) unplaced.push(e);
  }
  return unplaced;
}

// ---------------------------------------------------------------- versions × regions

export interface ReasonView {
  code: string;
  message: string;
}

/** The fields of the versions API (`GET .../versions?region=`) the matrix reads. */
export interface VersionView {
  id: string;
  name: string;
  provisioningState: string;
  replicationMode: string;
  publishedDate?: string;
  endOfLifeDate?: string;
  osDiskSizeGB?: number;
  targetRegions: {
    region: string;
    displayName: string;
    replicaCount: number;
    storageAccountType: string;
    replicationState: string;
  }[];
  deployability?: { deployable: boolean; reasons: ReasonView[]; warnings: ReasonView[] };
}

export interface LatestView {
  region: string;
  image: string;
  version?: string;
  id?: string;
  warnings: ReasonView[];
  passedOver: { version: string; id: string; reasons: ReasonView[] }[];
}

/** Colour family of a cell; the text always says the same thing in words. */
export type Tone = 'ok' | 'progress' | 'failed' | 'unknown' | 'absent';

export interface MatrixCell {
  region: string;
  /** The region's replication state in words (`Completed`, `Replicating`, `Failed`, `Unknown`, `Not replicated here`). */
  state: string;
  tone: Tone;
  replicaCount?: number;
  storageAccountType?: string;
  latest: boolean;
  excluded?: 'regional' | 'global';
  deployable: boolean;
  /** Why the version is not deployable or not latest here. */
  reasons: ReasonView[];
}

export interface MatrixRow {
  version: string;
  id: string;
  provisioningState: string;
  replicationMode: string;
  publishedDate?: string;
  endOfLifeDate?: string;
  /** End-of-life and shallow-replication warnings (the same in every region). */
  warnings: ReasonView[];
  cells: MatrixCell[];
}

export interface Matrix {
  regions: string[];
  /** Display names of the regions, as the versions name them. */
  regionNames: Record<string, string>;
  rows: MatrixRow[];
  /** The version `latest` resolves to, per region (absent: nothing qualifies there). */
  latest: Record<string, string | undefined>;
}

/** Every region any version targets, sorted by name. */
export function regionsOf(versions: readonly VersionView[]): string[] {
  return [...new Set(versions.flatMap((v) => v.targetRegions.map((t) => t.region)))].sort();
}

const TONES: Record<string, Tone> = { completed: 'ok', replicating: 'progress', failed: 'failed', unknown: 'unknown' };

/**
 * The matrix from the version list (newest first) and, per region, that list with its deployability
 * in the region and the `latest` answer there.
 */
export function buildMatrix(
  versions: readonly VersionView[],
  perRegion: Readonly<Record<string, { versions: readonly VersionView[]; latest: LatestView }>>,
): Matrix {
  const regions = regionsOf(versions);
  const regionNames: Record<string, string> = {};
  for (const v of versions) for (const t of v.targetRegions) regionNames[t.region] ??= t.displayName || t.region;
  const latest: Record<string, string | undefined> = {};
  for (const r of regions) latest[r] = perRegion[r]?.latest.version;
  const rows = versions.map((v): MatrixRow => {
    const warnings = new Map<string, ReasonView>();
    const cells = regions.map((region): MatrixCell => {
      const target = v.targetRegions.find((t) => t.region === region);
      const d = perRegion[region]?.versions.find((x) => x.name === v.name)?.deployability;
      for (const w of d?.warnings ?? []) warnings.set(w.code, w);
      const reasons = d?.reasons ?? [];
      const excluded = reasons.some((r) => r.code === 'excluded-regional')
        ? 'regional'
        : reasons.some((r) => r.code === 'excluded-global')
          ? 'global'
          : undefined;
      return {
        region,
        state: target ? target.replicationState : 'Not replicated here',
        tone: target ? (TONES[target.replicationState.toLowerCase()] ?? 'unknown') : 'absent',
        ...(target ? { replicaCount: target.replicaCount, storageAccountType: target.storageAccountType } : {}),
        latest: latest[region] === v.name,
        ...(excluded ? { excluded } : {}),
        deployable: d?.deployable ?? false,
        reasons: target ? reasons : [],
      };
    });
    return {
      version: v.name,
      id: v.id,
      provisioningState: v.provisioningState,
      replicationMode: v.replicationMode,
      ...(v.publishedDate !== undefined ? { publishedDate: v.publishedDate } : {}),
      ...(v.endOfLifeDate !== undefined ? { endOfLifeDate: v.endOfLifeDate } : {}),
      warnings: [...warnings.values()],
      cells,
    };
  });
  return { regions, regionNames, rows, latest };
}

/** The job kind a Spot body names by its root field. */
export function kindOfBody(body: unknown): 'statelessGroup' | 'statefulNode' | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  if (keys.includes('group') && !keys.includes('statefulNode')) return 'statelessGroup';
  if (keys.includes('statefulNode') && !keys.includes('group')) return 'statefulNode';
  return undefined;
}

/** An image chosen with the four pickers, as Spot's `image.gallery` names it. */
export interface GalleryChoice {
  resourceGroupName: string;
  galleryName: string;
  imageName: string;
  version: string;
}
