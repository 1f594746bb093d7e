/**
 * The api-version `@azure/arm-compute` sends to virtual machine scale sets and virtual machines:
 * every operation of the installed 24.1.0 has `api-version=2026-03-01`
 * (`dist/esm/api/virtualMachineScaleSets/operations.js`, `dist/esm/api/virtualMachines/operations.js`),
 * and the client takes no client-wide override. A plan (shared/domain/azure-plan.ts) names it in its
 * URLs; test/arm/compute-simulator.test.ts checks that the SDK sends exactly this one, so an SDK
 * upgrade that changes it fails there.
 */
export const COMPUTE_API_VERSION = '2026-03-01';

/** The api-version the installed `@azure/arm-compute` (24.1.0) sends to galleries, image definitions and versions. */
export const GALLERY_API_VERSION = '2025-03-03';
