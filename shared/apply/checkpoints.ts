/**
 * The apply checkpoint of a group: one row beside the group in the groups table, written before a
 * job sends anything to its target and removed in the same transaction that records the group's
 * deployment (or when the job fails). It is at once
 *
 * - the group's apply lock: one job applies a group at a time; another job of the group waits
 *   (`blocked`) until the row is gone, and a row whose job has ended is taken over;
 * - the job's progress: the plan being sent (secret-free), the request under way and its
 *   serialized poller (URLs only), the follow-ups sent, so a later delivery — a scheduled
 *   follow-up, a redelivery after a crash, a copy the sweep sent again — continues where the last
 *   one stopped and never sends a request twice.
 *
 * | table            | PartitionKey   | RowKey               | holds |
 * |------------------|----------------|----------------------|-------|
 * | `<prefix>groups` | subscription   | `a|<kind>|<name>`    | the checkpoint (`record`) |
 *
 * Nothing here holds a secret: the plan keeps its markers (`adminPasswordSet`, `passwordSet`), and
 * the job's secrets come from the job's message each time.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { getEntityOrUndefined, tableStatusOf } from '../storage/tables.js';
import { encodeKeyPart } from '../catalog/keys.js';
import { packJson, unpackJson } from '../catalog/json-props.js';
import type { AzurePlan } from '../domain/azure-plan.js';
import type { SpotPlan } from '../domain/spot-plan.js';
import type { RollDeployment } from '../domain/apply.js';
import type { GroupChange, GroupRecord } from '../jobs/store.js';

/** Where a job's send is. */
export interface ApplyState {
  /** The request of the plan under way (0-based). */
  step: number;
  /** Sends of the plan so far (1 = the first). */
  attempt: number;
  /** Azure: the SDK's serialized poller of the request under way. */
  poller?: string;
  /** Azure: a create found the group's own resource; its provisioning state is followed. */
  watching?: boolean;
  /** The request is sent again after a failure the target may get over (capacity, conflict, throttling). */
  retry?: boolean;
  /** A retried create finds the group's own resource (its failed first try): sent without If-None-Match. */
  replaceOwn?: boolean;
  /** The request under way may have been sent before the last delivery stopped: look before sending it again. */
  unsure?: boolean;
  /** Azure roll: when the last batch's upgrade ended (its VMs' grace period runs from here). */
  batchEndedAt?: string;
  /** Spot: the group's or node's id at Spot, once known. */
  spotId?: string;
  /** Spot roll: the blue/green deployment started. */
  deploymentId?: string;
  /** Follow-up messages sent so far (the next one's number is this + 1). */
  followUps: number;
}

export interface ApplyCheckpoint {
  jobId: string;
  organizationId: string;
  subscriptionId: string;
  kind: string;
  name: string;
  /** The plan being sent, secret-free. */
  plan: AzurePlan | SpotPlan;
  /** The group write the job makes once its target says it is done (without `deployment`). */
  change: GroupChange;
  latestOf?: string;
  /** The group as it was when the job started (an update's base). */
  previous?: GroupRecord;
  /** The job's warnings from its validation, recorded with its outcome. */
  warnings: { pointer: string; code: string; message: string }[];
  resolvedImageVersionId?: string;
  /** How a roll moves the group's VMs (batches, grace period, healthy share). */
  rollDeployment?: RollDeployment;
  state: ApplyState;
  startedAt: string;
}

const rowKeyOf = (kind: string, name: string): string => `a|${encodeKeyPart(kind)}|${encodeKeyPart(name)}`;

export class ApplyCheckpoints {
  constructor(
    private readonly groups: TableClient,
    private readonly ensureTables: () => Promise<void>,
  ) {}

  /** The group's checkpoint and its ETag, or undefined. */
  async get(
    subscriptionId: string,
    kind: string,
    name: string,
  ): Promise<{ checkpoint: ApplyCheckpoint; etag: string } | undefined> {
    await this.ensureTables();
    const e = await getEntityOrUndefined(this.groups, encodeKeyPart(subscriptionId), rowKeyOf(kind, name));
    const checkpoint = e ? unpackJson<ApplyCheckpoint>('record', e) : undefined;
    return e && checkpoint ? { checkpoint, etag: e.etag } : undefined;
  }

  /** Takes the group's lock with a first checkpoint: its ETag, or undefined when another checkpoint is there. */
  async claim(c: ApplyCheckpoint): Promise<string | undefined> {
    await this.ensureTables();
    try {
      const r = await this.groups.createEntity({
        partitionKey: encodeKeyPart(c.subscriptionId),
        rowKey: rowKeyOf(c.kind, c.name),
        ...packJson('record', c),
      });
      return r.etag ?? '*';
    } catch (err) {
      if (tableStatusOf(err) === 409) return undefined;
      throw err;
    }
  }

  /** Saves the job's progress, or takes over a checkpoint whose job has ended (ETag-guarded): the new ETag, or undefined when another delivery changed or removed it. */
  async save(c: ApplyCheckpoint, etag: string): Promise<string | undefined> {
    try {
      const r = await this.groups.updateEntity(
        { partitionKey: encodeKeyPart(c.subscriptionId), rowKey: rowKeyOf(c.kind, c.name), ...packJson('record', c) },
        'Replace',
        { etag },
      );
      return r.etag ?? '*';
    } catch (err) {
      const s = tableStatusOf(err);
      if (s === 412 || s === 404) return undefined;
      throw err;
    }
  }

  /** Releases the group's lock. */
  async remove(c: Pick<ApplyCheckpoint, 'subscriptionId' | 'kind' | 'name'>): Promise<void> {
    try {
      await this.groups.deleteEntity(encodeKeyPart(c.subscriptionId), rowKeyOf(c.kind, c.name));
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }

  /** The removal as part of the transaction that records the group's deployment (same partition). */
  removeAction(c: Pick<ApplyCheckpoint, 'subscriptionId' | 'kind' | 'name'>): TransactionAction {
    return ['delete', { partitionKey: encodeKeyPart(c.subscriptionId), rowKey: rowKeyOf(c.kind, c.name) }];
  }
}
