/**
 * What every lookup answers for a resource the caller may not see: the same error, with the same
 * text, as for a resource that does not exist (404), so an answer never tells the two apart.
 */
export class NotVisibleError extends Error {
  constructor() {
    super('The resource does not exist or is not visible to the caller.');
    this.name = 'NotVisibleError';
  }
}
