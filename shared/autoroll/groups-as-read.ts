/**
 * The groups a roll fan-out read, each with its ETag, kept for a short while in this instance for
 * the roll jobs it queued. A roll job that finds its group here merges onto it instead of reading
 * the group again, and its write still goes only onto that version of the group (If-Match on the
 * ETag): a group changed in between fails the write and the job merges again onto the group read
 * anew. A roll job on another instance, or after its entry expired or was taken, reads the group as
 * every update does. Entries are taken once, so a merge again never finds one.
 */
import { encodeKeyPart } from '../catalog/keys.js';
import { groupRowKey, type GroupRecord } from '../jobs/store.js';

/** How long an entry is used: a roll job runs within this of its fan-out, unless it waits for a window. */
const KEEP_MS = 60_000;
/** At most this many groups kept (the oldest go first): a fan-out of more is read again past it. */
const MAX_GROUPS = 10_000;

export interface GroupAsRead {
  readonly group: GroupRecord;
  readonly etag: string;
}

export class GroupsAsRead {
  private readonly entries = new Map<string, GroupAsRead & { readonly at: number }>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly keepMs = KEEP_MS,
    private readonly maxGroups = MAX_GROUPS,
  ) {}

  keep(found: GroupAsRead): void {
    const key = keyOf(found.group.subscriptionId, found.group.kind, found.group.name);
    this.entries.delete(key);
    this.entries.set(key, { group: found.group, etag: found.etag, at: this.now() });
    if (this.entries.size > this.maxGroups) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** The group as its fan-out read it, while that is recent; taken out either way. */
  take(subscriptionId: string, kind: string, name: string): GroupAsRead | undefined {
    const key = keyOf(subscriptionId, kind, name);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    return this.now() - entry.at <= this.keepMs ? { group: entry.group, etag: entry.etag } : undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The group's table key (partition and row), as the job store reads it. */
function keyOf(subscriptionId: string, kind: string, name: string): string {
  return `${encodeKeyPart(subscriptionId)}/${groupRowKey(kind, name)}`;
}
