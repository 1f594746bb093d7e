import { describe, it, expect } from 'vitest';
import {
  entitySize,
  entityLimitProblem,
  ENTITY_MAX_BYTES,
  ENTITY_MAX_PROPERTIES,
} from '../../shared/storage/entity-limits.js';

describe('Table Storage entity size', () => {
  it('follows the documented formula: keys and strings two bytes a character, per-property overhead', () => {
    // 4 + (2 + 1) * 2 keys; Timestamp 8 + 18 + 8; "name" 8 + 8 + (4 + 2 * 2); "n" 8 + 2 + 8; "b" 8 + 2 + 1
    expect(entitySize({ partitionKey: 'pk', rowKey: 'r', name: 'é€', n: 5, b: true })).toEqual({
      bytes: 10 + 34 + 24 + 18 + 11,
      properties: 6,
    });
  });

  it('refuses more than 1 MiB and more than 255 properties', () => {
    expect(entityLimitProblem({ partitionKey: 'p', rowKey: 'r', a: 'x'.repeat(30_000) })).toBeUndefined();
    const big: Record<string, unknown> = { partitionKey: 'p', rowKey: 'r' };
    for (let i = 0; i < 20; i++) big[`d_${i}`] = 'x'.repeat(30_000); // 600,000 characters: 1.2 MB in UTF-16
    expect(entitySize(big).bytes).toBeGreaterThan(ENTITY_MAX_BYTES);
    expect(entityLimitProblem(big)).toMatch(/1 MiB/);
    const wide: Record<string, unknown> = { partitionKey: 'p', rowKey: 'r' };
    for (let i = 0; i < ENTITY_MAX_PROPERTIES - 2; i++) wide[`p${i}`] = 1;
    expect(entityLimitProblem(wide)).toMatch(/at most 255/);
    delete wide.p0;
    expect(entityLimitProblem(wide)).toBeUndefined();
  });
});
