/**
 * Table Storage caps a string property at 64 KiB (32K UTF-16 characters). A record serialised as
 * JSON is split over `name`, `name_1`, `name_2`... so that a large record (many tags or regions)
 * still fits one entity (1 MiB, 255 properties).
 */
const CHUNK = 30_000;
const MAX_CHUNKS = 30;

export function packJson(name: string, value: unknown): Record<string, string> {
  const text = JSON.stringify(value);
  if (text.length > CHUNK * MAX_CHUNKS) throw new Error(`${name} is too large to store (${text.length} characters)`);
  const out: Record<string, string> = {};
  for (let i = 0, n = 0; i < text.length || n === 0; i += CHUNK, n++) {
    out[n === 0 ? name : `${name}_${n}`] = text.slice(i, i + CHUNK);
  }
  return out;
}

export function unpackJson<T>(name: string, entity: Record<string, unknown>): T | undefined {
  const first = entity[name];
  if (typeof first !== 'string') return undefined;
  let text = first;
  for (let n = 1; typeof entity[`${name}_${n}`] === 'string'; n++) text += entity[`${name}_${n}`] as string;
  return JSON.parse(text) as T;
}
