/** Versions and groups for the auto-roll tests, on a jobs host with events (`startJobsHost(…, { events: true })`). */
import { expect } from 'vitest';
import { envelope, galleryImage, type JobsHost } from './jobs-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { armEvent, postEvents } from './catalog-fixtures.js';
import { services } from '../../shared/services.js';

type Json = Record<string, unknown>;

export const ubuntuVersionId = (version: string): string => `${DEMO_IMAGES.ubuntu}/versions/${version}`;

/**
 * Until the topic and the jobs queue are both idle, a few times over (a delivery can start the
 * other), and the published events' outbox rows are deleted (a moment later, nothing waiting for
 * it): a test that counts table requests afterwards counts its own alone.
 */
export async function settleRolls(host: JobsHost): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await host.topic!.idle();
    await host.jobsQueue.idle();
  }
  await services().outbox.deletesSettled();
}

/** A version of the ubuntu definition, completed in every region (excluded from latest or not), indexed from its write event. */
export async function indexUbuntuVersion(host: JobsHost, version: string, excludeFromLatest = false): Promise<void> {
  const v = structuredClone(host.sim.get(ubuntuVersionId('1.10.0'))!) as unknown as {
    id: string;
    name: string;
    properties: {
      publishingProfile: { excludeFromLatest?: boolean };
      replicationStatus: { aggregatedState: string; summary: { state: string }[] };
    };
  };
  v.id = ubuntuVersionId(version);
  v.name = version;
  v.properties.publishingProfile.excludeFromLatest = excludeFromLatest;
  v.properties.replicationStatus.aggregatedState = 'Completed';
  for (const s of v.properties.replicationStatus.summary) s.state = 'Completed';
  host.sim.put(v);
  expect((await postEvents(host.url, [armEvent(v.id, 'Write')])).status).toBe(202);
}

/** {@link indexUbuntuVersion}, then until the rolls it starts have run. */
export async function putUbuntuVersion(host: JobsHost, version: string, excludeFromLatest = false): Promise<void> {
  await indexUbuntuVersion(host, version, excludeFromLatest);
  await settleRolls(host);
}

/** A new group on `latest` in West Europe, created through the job API; its name. */
export async function groupOnLatestInWestEurope(host: JobsHost): Promise<string> {
  const env = envelope('elastigroup-gallery-latest', (b) => {
    galleryImage(b).version = 'latest';
    (b.group as Json).region = 'westeurope';
  });
  expect(await host.run(env)).toMatchObject({ status: 'succeeded' });
  return String((env.body as { group: { name: string } }).group.name);
}
