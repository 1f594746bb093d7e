/**
 * What Azure Table Storage accepts in one entity, computed before writing (Azurite does not
 * enforce these, so a record that fits locally could fail in Azure): at most 1 MiB and 255
 * properties (PartitionKey, RowKey and Timestamp included). The size follows the service's
 * documented formula: 4 bytes + 2 bytes per key character, and per property 8 bytes + 2 bytes
 * per name character + its value (a string: 4 bytes + 2 per UTF-16 code unit; a number or date:
 * 8; a boolean: 1).
 */
export const ENTITY_MAX_BYTES = 1024 * 1024;
export const ENTITY_MAX_PROPERTIES = 255;

export interface EntitySize {
  bytes: number;
  properties: number;
}

export function entitySize(entity: Record<string, unknown>): EntitySize {
  const pk = typeof entity.partitionKey === 'string' ? entity.partitionKey : '';
  const rk = typeof entity.rowKey === 'string' ? entity.rowKey : '';
  let bytes = 4 + (pk.length + rk.length) * 2;
  let properties = 3; // PartitionKey, RowKey, Timestamp
  bytes += 8 + 'Timestamp'.length * 2 + 8;
  for (const [name, value] of Object.entries(entity)) {
    if (
      name === 'partitionKey' ||
      name === 'rowKey' ||
      name === 'etag' ||
      name === 'timestamp' ||
      value === undefined ||
      value === null
    )
      continue;
    properties++;
    bytes += 8 + name.length * 2 + valueBytes(value);
  }
  return { bytes, properties };
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return 4 + value.length * 2;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return 4 + value.length;
  if (typeof value === 'object' && value !== null && 'value' in value) return valueBytes(value.value);
  return 8; // numbers, Int64, dates, GUIDs are stored in 8 or 16 bytes; 8 is the documented size of the common ones
}

/** Why an entity does not fit, or undefined when it does. */
export function entityLimitProblem(entity: Record<string, unknown>): string | undefined {
  const { bytes, properties } = entitySize(entity);
  if (properties > ENTITY_MAX_PROPERTIES)
    return `would be stored in ${properties} properties; an entity holds at most ${ENTITY_MAX_PROPERTIES}`;
  if (bytes > ENTITY_MAX_BYTES)
    return `would take ${bytes} bytes stored (strings count two bytes a character); an entity holds at most ${ENTITY_MAX_BYTES} bytes (1 MiB)`;
  return undefined;
}
