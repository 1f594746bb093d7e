/**
 * The answer of GET /api/health: the app version and whether the table store answers (anonymous:
 * a failing dependency is named, never described).
 */
import { z } from 'zod';

export const healthSchema = z.strictObject({
  status: z.enum(['healthy', 'unhealthy']),
  version: z.string(),
  failing: z
    .array(z.enum(['tableStorage']))
    .describe('The dependencies that do not answer')
    .optional(),
  checks: z.strictObject({
    tableStorage: z.strictObject({ status: z.enum(['reachable', 'unreachable']), latencyMs: z.number().int().min(0) }),
  }),
});
export type Health = z.infer<typeof healthSchema>;
