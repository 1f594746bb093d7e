/**
 * The emergency stop of auto-roll for an image definition over HTTP
 * (PUT /api/manage/autoroll/pauses/{definitionId}): the body it takes and the answer it gives, as
 * AutoRoller.setDefinitionPaused returns it.
 */
import { z } from 'zod';
import { dateTimeSchema, type Assert, type SameShape } from '../domain/schemas.js';
import type { AutoRoller } from './autoroll.js';

/** `{ "paused": true }` stops every roll of the definition; `false` releases it. */
export const definitionPauseRequestSchema = z.strictObject({ paused: z.boolean() });

export const definitionPauseSchema = z.strictObject({
  imageDefinitionId: z.string(),
  paused: z.boolean(),
  pausedAt: dateTimeSchema.describe('Since when the definition is paused').optional(),
  rollsQueued: z
    .number()
    .int()
    .min(0)
    .describe('On release: the roll jobs queued for what the pause held back')
    .optional(),
});
type _PauseChecked = Assert<
  SameShape<Awaited<ReturnType<AutoRoller['setDefinitionPaused']>>, z.infer<typeof definitionPauseSchema>>
>;
