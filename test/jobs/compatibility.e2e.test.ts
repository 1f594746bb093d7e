import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import {
  startJobsHost,
  envelope,
  galleryImage,
  launchSpec,
  compute,
  type JobsHost,
  PUBLISHER_ACCOUNT,
  PARTNER_ACCOUNT,
} from '../support/jobs-host.js';
import { DEMO_GALLERIES } from '../../dev/demo/demo-org.js';
import { DEMO_PARTNER_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { pointerOf } from '../../shared/domain/job-envelope.js';

// One end-to-end job per compatibility rule (errors and warnings), with bodies built from the Spot
// fixtures, through HTTP submit → queue trigger → job record.
let host: JobsHost;
type Body = Record<string, unknown>;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
  // An image definition that supports NVMe only, for the disk controller rule.
  const nvme = `${DEMO_GALLERIES.corp}/images/nvme-only`;
  host.sim.put({
    id: nvme,
    location: 'westeurope',
    properties: {
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'Contoso', offer: 'Ubuntu', sku: 'nvme' },
      features: [{ name: 'DiskControllerType', value: 'NVMe' }],
      provisioningState: 'Succeeded',
    },
  });
  host.sim.put({
    id: `${nvme}/versions/1.0.0`,
    location: 'westeurope',
    properties: {
      publishingProfile: { targetRegions: [{ name: 'East US', regionalReplicaCount: 3 }], replicaCount: 1 },
      storageProfile: { osDiskImage: { sizeInGB: 30 } },
      replicationStatus: {
        aggregatedState: 'Completed',
        summary: [{ region: 'East US', state: 'Completed', progress: 100 }],
      },
      provisioningState: 'Succeeded',
    },
  });
  await postEvents(host.url, [armEvent(nvme, 'Write'), armEvent(`${nvme}/versions/1.0.0`, 'Write')]);
});
afterAll(async () => {
  await host.stop();
});

/** The pinned group (ubuntu 1.9.0, East US, D4s_v5) from the publisher account's gallery, edited. */
function pinned(edit: (b: Body) => void = () => undefined, overrides: Body = {}): Body {
  return envelope(
    'elastigroup-gallery-pinned',
    (b) => {
      galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
      edit(b);
    },
    overrides,
  );
}
const sizes = (b: Body, ...names: string[]) => {
  compute(b).vmSizes = { odSizes: [names[0]], spotSizes: names };
};

interface Case {
  name: string;
  job: () => Body;
  principal?: typeof DEMO_PARTNER_PRINCIPAL;
  status: 'failed' | 'succeeded';
  code: string;
  severity: 'error' | 'warning';
  path?: string;
}

const cases: Case[] = [
  {
    name: 'version not deployable in the region (replicating there)',
    job: () => pinned((b) => (galleryImage(b).version = '1.10.0')),
    status: 'failed',
    code: 'replication-in-progress',
    severity: 'error',
  },
  {
    name: 'version failed',
    job: () => pinned((b) => (galleryImage(b).version = '1.12.0')),
    status: 'failed',
    code: 'provisioning-failed',
    severity: 'error',
  },
  {
    name: 'explicit version that does not exist',
    job: () => pinned((b) => (galleryImage(b).version = '9.9.9')),
    status: 'failed',
    code: 'version-not-found',
    severity: 'error',
    path: 'body.group.compute.launchSpecification.image.gallery.version',
  },
  {
    name: 'latest with nothing deployable in the region',
    job: () =>
      pinned((b) => {
        galleryImage(b).version = 'latest';
        (b.group as Body).region = 'japaneast';
      }),
    status: 'failed',
    code: 'no-latest-version',
    severity: 'error',
  },
  {
    name: 'image not visible to the account',
    job: () =>
      pinned((b) => {
        galleryImage(b).galleryName = 'partnerGallery';
        galleryImage(b).imageName = 'ubuntu-2204-partner';
        galleryImage(b).version = '1.0.0';
      }),
    status: 'failed',
    code: 'image-not-visible',
    severity: 'error',
    path: 'body.group.compute.launchSpecification.image.gallery',
  },
  {
    name: 'OS type mismatch',
    job: () =>
      pinned((b) => {
        compute(b).os = 'Windows';
        launchSpec(b).login = { userName: 'admin1', password: 'Pa55w.rd-long-enough' };
      }),
    status: 'failed',
    code: 'os-type-mismatch',
    severity: 'error',
  },
  {
    name: 'login on a specialized image',
    job: () =>
      envelope('stateful-node-gallery', (b) => {
        galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
        launchSpec(b).login = { userName: 'admin1', password: 'Pa55w.rd-long-enough' };
      }),
    status: 'failed',
    code: 'specialized-image-login',
    severity: 'error',
    path: 'body.statefulNode.compute.launchSpecification.login',
  },
  {
    name: 'no login on a generalized image',
    job: () => pinned((b) => delete launchSpec(b).login),
    status: 'failed',
    code: 'login-required',
    severity: 'error',
  },
  {
    name: 'Hyper-V generation of the image unsupported by a size',
    job: () => pinned((b) => sizes(b, 'Standard_A2_v2')),
    status: 'failed',
    code: 'hyperv-generation-unsupported',
    severity: 'error',
    path: 'body.group.compute.vmSizes.odSizes[0]',
  },
  {
    name: 'architecture mismatch',
    job: () => pinned((b) => sizes(b, 'Standard_D2ps_v5')),
    status: 'failed',
    code: 'architecture-mismatch',
    severity: 'error',
  },
  {
    name: 'trusted launch image on a size without trusted launch',
    job: () => pinned((b) => sizes(b, 'Standard_A2_v2')),
    status: 'failed',
    code: 'trusted-launch-unsupported',
    severity: 'error',
  },
  {
    name: 'confidential VM image on a non-confidential size',
    job: () =>
      pinned((b) => {
        galleryImage(b).imageName = 'mariner-arm64';
        galleryImage(b).version = '1.0.0';
        (b.group as Body).region = 'westeurope';
        sizes(b, 'Standard_D2ps_v5');
      }),
    status: 'failed',
    code: 'confidential-vm-unsupported',
    severity: 'error',
  },
  {
    name: 'disk controller: NVMe-only image on a SCSI size',
    job: () =>
      pinned((b) => {
        galleryImage(b).imageName = 'nvme-only';
        galleryImage(b).version = '1.0.0';
      }),
    status: 'failed',
    code: 'disk-controller-mismatch',
    severity: 'error',
  },
  {
    name: 'OS disk type in the disallowed list',
    job: () => pinned((b) => ((launchSpec(b).osDisk as Body).type = 'Standard_LRS')),
    status: 'failed',
    code: 'disk-type-disallowed',
    severity: 'error',
    path: 'body.group.compute.launchSpecification.osDisk.type',
  },
  {
    name: 'premium OS disk on a size without premium storage',
    job: () =>
      pinned((b) => {
        sizes(b, 'Standard_A2_v2');
        (launchSpec(b).osDisk as Body).type = 'Premium_LRS';
      }),
    status: 'failed',
    code: 'premium-storage-unsupported',
    severity: 'error',
  },
  {
    name: 'encryption at host on a size without it',
    job: () =>
      pinned((b) => {
        sizes(b, 'Standard_D4s_v5', 'Standard_A2_v2');
        launchSpec(b).security = { ...(launchSpec(b).security as Body | undefined), encryptionAtHost: true };
      }),
    status: 'failed',
    code: 'encryption-at-host-unsupported',
    severity: 'error',
    path: 'body.group.compute.vmSizes.spotSizes[1]',
  },
  {
    name: 'OS disk smaller than the image',
    job: () => pinned((b) => ((launchSpec(b).osDisk as Body).sizeGB = 10)),
    status: 'failed',
    code: 'os-disk-too-small',
    severity: 'error',
  },
  {
    name: 'unknown VM size',
    job: () => pinned((b) => sizes(b, 'Standard_Nope_v9')),
    status: 'failed',
    code: 'vm-size-unknown',
    severity: 'error',
  },
  {
    name: 'VM size not offered in the region (ARM lists no such size there)',
    job: () => pinned((b) => sizes(b, 'Standard_D64s_v5')),
    status: 'failed',
    code: 'vm-size-unknown',
    severity: 'error',
    path: 'body.group.compute.vmSizes.odSizes[0]',
  },
  {
    name: 'accelerated networking unavailable on a size (warning)',
    job: () => pinned((b) => sizes(b, 'Standard_D4s_v5', 'Standard_A2_v2')),
    status: 'failed',
    code: 'accelerated-networking-unavailable',
    severity: 'warning',
  },
  {
    name: 'vCPUs above the recommended range (warning)',
    job: () =>
      pinned((b) => {
        (b.group as Body).region = 'westeurope';
        sizes(b, 'Standard_D64s_v5');
      }),
    status: 'succeeded',
    code: 'vcpus-above-recommended',
    severity: 'warning',
  },
  {
    name: 'end of life passed (warning)',
    job: () => envelope('stateful-node-gallery', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT)),
    status: 'succeeded',
    code: 'end-of-life',
    severity: 'warning',
  },
  {
    name: 'fewer replicas than ceil(capacity maximum / 20) (warning)',
    job: () =>
      envelope('elastigroup-gallery-latest', (b) => {
        (b.group as { capacity: Body }).capacity = { minimum: 0, maximum: 80, target: 10 };
      }),
    status: 'succeeded',
    code: 'too-few-replicas',
    severity: 'warning',
    path: 'body.group.capacity.maximum',
  },
  {
    name: 'a production-tagged group on fewer than 3 replicas (warning)',
    job: () => pinned((b) => (launchSpec(b).tags = [{ tagKey: 'environment', tagValue: 'production' }])),
    status: 'succeeded',
    code: 'below-production-minimum',
    severity: 'warning',
    path: 'body.group.compute.launchSpecification.tags',
  },
  {
    name: 'shallow replication with a group above 20 VMs (warning)',
    job: () =>
      envelope('elastigroup-gallery-latest', (b) => {
        galleryImage(b).version = '1.2.0';
      }),
    status: 'succeeded',
    code: 'shallow-replication-scale',
    severity: 'warning',
  },
];

describe('compatibility rules, one job each', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.severity} ${c.code}`, async () => {
      const job = (await host.run(c.job(), c.principal)) as {
        status: string;
        errors: { code: string; pointer: string }[];
        warnings: { code: string; pointer: string }[];
      };
      expect(job.status, JSON.stringify(job)).toBe(c.status);
      const list = c.severity === 'error' ? job.errors : job.warnings;
      const hit = list.find((f) => f.code === c.code);
      expect(hit, JSON.stringify(job)).toBeDefined();
      if (c.path) expect(hit!.pointer).toBe(pointerOf(c.path));
    });
  }

  it('a compatible group succeeds with no error', async () => {
    expect(
      await host.run(
        envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT)),
      ),
    ).toMatchObject({ status: 'succeeded', errors: [] });
  });

  it("a gallery of another organization's account cannot be named (spotAccountId), even when it is shared with the caller's tenant", async () => {
    const shared = envelope(
      'elastigroup-gallery-pinned',
      (b) => {
        Object.assign(galleryImage(b), {
          spotAccountId: PUBLISHER_ACCOUNT,
          galleryName: 'partnerGallery',
          imageName: 'ubuntu-2204-partner',
          version: '1.0.0',
        });
        compute(b).orchestrationMode = 'Flexible';
        (b.group as Body).region = 'westeurope';
      },
      { caller: { account: PARTNER_ACCOUNT } },
    );
    const res = await host.submit(shared, DEMO_PARTNER_PRINCIPAL);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        field: 'body.body.group.compute.launchSpecification.image.gallery.spotAccountId',
        pointer: '/body/group/compute/launchSpecification/image/gallery/spotAccountId',
        code: 'account-not-connected',
        message: "The spotAccountId is not a connected account of the caller's organization.",
      },
    ]);
  });
});
