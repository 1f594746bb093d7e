/**
 * Replica demand set up through the real interfaces: an image version in the simulated ARM (REST
 * shape of Azure/azure-rest-api-specs GalleryRP `GalleryImageVersion_Get.json`: publishingProfile
 * targetRegions with regionalReplicaCount, storageProfile osDiskImage sizeInGB) and group job
 * envelopes (Spot Elastigroup bodies) whose capacity maximum is the demand.
 */
import { envelope, galleryImage, compute } from './jobs-host.js';
import type { RestResourceInput } from '../../dev/arm-simulator.js';

type Json = Record<string, unknown>;

/** A 10 GB, fully replicated, Standard_LRS version whose source region is West Europe. */
export function replicatedVersion(id: string, regions: { name: string; replicas: number }[]): RestResourceInput {
  return {
    id,
    location: 'westeurope',
    properties: {
      publishingProfile: {
        targetRegions: regions.map((r) => ({
          name: r.name,
          regionalReplicaCount: r.replicas,
          storageAccountType: 'Standard_LRS',
          excludeFromLatest: false,
        })),
        replicaCount: 1,
        storageAccountType: 'Standard_LRS',
        replicationMode: 'Full',
      },
      storageProfile: { osDiskImage: { sizeInGB: 10, hostCaching: 'ReadWrite' }, dataDiskImages: [] },
      replicationStatus: {
        aggregatedState: 'Completed',
        summary: regions.map((r) => ({ region: r.name, state: 'Completed', progress: 100 })),
      },
      provisioningState: 'Succeeded',
    },
  };
}

/** A create job of a scale-set group (Uniform orchestration) of `maximum` VMs on an image of the team gallery, on `latest` or pinned. */
export function scaleSetGroupJob(imageName: string, maximum: number, version: string): Json {
  return envelope('elastigroup-gallery-latest', (b) => {
    Object.assign(galleryImage(b), { resourceGroupName: 'rg-team', galleryName: 'teamGallery', imageName, version });
    delete galleryImage(b).spotAccountId;
    (b.group as Json).capacity = { minimum: 0, maximum, target: Math.round(maximum / 2) };
    compute(b).orchestrationMode = 'Uniform';
  });
}
