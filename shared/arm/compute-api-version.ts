/**
 * The api-version `@azure/arm-compute` sends to virtual machine scale sets and virtual machines:
 * every operation of the installed 25.1.1 has `api-version=2026-04-01`
 * (`dist/esm/api/virtualMachineScaleSets/operations.js`, `dist/esm/api/virtualMachines/operations.js`),
 * and the client takes no client-wide override. A plan (shared/domain/azure-plan.ts) names it in its
 * URLs; test/arm/compute-simulator.test.ts checks that the SDK sends exactly this one, so an SDK
 * upgrade that changes it fails there.
 */
export const COMPUTE_API_VERSION = '2026-04-01';
