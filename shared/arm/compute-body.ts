/**
 * A plan's request body (ARM's wire JSON, shared/domain/azure-plan.ts) as the model
 * `@azure/arm-compute` takes, so the apply can send it through the SDK (`createOrUpdate`, `update`)
 * and the SDK's own serializers turn it back into the same wire JSON.
 *
 * The SDK's models are ARM's JSON with every `properties` object flattened into its parent
 * (`_<model>PropertiesSerializer` in `dist/esm/models/compute/models.js`), and three names spelled
 * otherwise: an extension's `properties.type` is `typePropertiesType` (the resource has a `type`
 * too), `diskIOPSReadWrite` / `diskIOPSReadOnly` are `diskIopsReadWrite` / `diskIopsReadOnly`.
 * Free-form maps (`tags`, extension `settings` / `protectedSettings`, `userAssignedIdentities`) are
 * data and copied as they are. test/arm/compute-simulator.test.ts sends plans through the SDK and
 * compares what arrives with the plan.
 */
import type {
  VirtualMachine,
  VirtualMachineExtension,
  VirtualMachineScaleSet,
  VirtualMachineScaleSetUpdate,
  VirtualMachineUpdate,
} from '@azure/arm-compute';

const FREE_FORM = new Set(['tags', 'settings', 'protectedSettings', 'userAssignedIdentities']);
const RENAMED_IN_PROPERTIES: Readonly<Record<string, string>> = { type: 'typePropertiesType' };
const RENAMED: Readonly<Record<string, string>> = {
  diskIOPSReadWrite: 'diskIopsReadWrite',
  diskIOPSReadOnly: 'diskIopsReadOnly',
};

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function model(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(model);
  if (!isPlain(value)) return value;
  const out: Plain = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'properties' && isPlain(v)) {
      for (const [pk, pv] of Object.entries(v)) {
        const name = RENAMED_IN_PROPERTIES[pk] ?? RENAMED[pk] ?? pk;
        out[name] = FREE_FORM.has(pk) ? structuredClone(pv) : model(pv);
      }
    } else {
      out[RENAMED[k] ?? k] = FREE_FORM.has(k) ? structuredClone(v) : model(v);
    }
  }
  return out;
}

/** A scale set PUT body as `virtualMachineScaleSets.createOrUpdate` takes it. */
export function scaleSetModelOf(body: Readonly<Plain>): VirtualMachineScaleSet {
  return model(body) as VirtualMachineScaleSet;
}
/** A scale set PATCH body as `virtualMachineScaleSets.update` takes it. */
export function scaleSetUpdateModelOf(body: Readonly<Plain>): VirtualMachineScaleSetUpdate {
  return model(body) as VirtualMachineScaleSetUpdate;
}
/** A VM PUT body as `virtualMachines.createOrUpdate` takes it. */
export function virtualMachineModelOf(body: Readonly<Plain>): VirtualMachine {
  return model(body) as VirtualMachine;
}
/** A VM PATCH body as `virtualMachines.update` takes it. */
export function virtualMachineUpdateModelOf(body: Readonly<Plain>): VirtualMachineUpdate {
  return model(body) as VirtualMachineUpdate;
}
/** A VM extension PUT body as `virtualMachineExtensions.createOrUpdate` takes it. */
export function virtualMachineExtensionModelOf(body: Readonly<Plain>): VirtualMachineExtension {
  return model(body) as VirtualMachineExtension;
}
