/**
 * A fault in what a caller gave (a request's path, query or header, a body, a job envelope), and
 * where it is. One shape for every answer that names faults: HTTP problem details (`errors[]`),
 * organization documents, job envelopes.
 *
 * - `field`: the request part, then the place: `query.top`, `path.gallery`, `header.content-type`,
 *   `body.tenantId`.
 * - `pointer`: for a fault in a body, its JSON Pointer (RFC 6901) into the body (`/tenantId`,
 *   `/body/group/compute/os`); '' for the body as a whole.
 * - `code`: a stable code for programs (`job-id-reused`, `password-rules`), when there is one.
 *
 * A job's recorded errors (shared/jobs/store.ts `JobProblem`) are these faults located by pointer
 * alone, always with a code.
 */
import { z } from 'zod';

export const fieldErrorSchema = z.strictObject({
  field: z.string().describe('The request part and place: query.top, path.gallery, body.tenantId'),
  message: z.string(),
  code: z.string().optional(),
  pointer: z.string().describe('For a fault in the request body: its JSON Pointer (RFC 6901) into the body').optional(),
});
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** A request (or document) with faults: every one of them, named at once (400). */
export class FieldErrors extends Error {
  constructor(
    readonly errors: FieldError[],
    /** What is not valid, for people ("The job envelope is not valid."); the request by default. */
    readonly detail = 'The request is not valid.',
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'FieldErrors';
  }
}

/** A request that conflicts with what exists (409): what to change, and where. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail);
  }
}
