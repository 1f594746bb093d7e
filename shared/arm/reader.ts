/**
 * Reads Azure Compute Gallery resources from ARM through the real `@azure/arm-compute` client.
 *
 * - A GET of a missing resource (404, whatever the code: ResourceNotFound, ParentResourceNotFound,
 *   ResourceGroupNotFound...) is a typed `{ found: false }` result, never an exception: the event
 *   handlers tombstone on it.
 * - Everything else that fails is one of three errors, after the SDK's own retries:
 *   ArmTransientError (429, 408, 5xx, network), ArmAccessError (401/403, credential unavailable),
 *   ArmRequestError (any other 4xx; ArmNotFoundError when a list's parent is missing).
 * - Values are the SDK's own models (properties flattened, dates as `Date`); mapping them to domain
 *   records happens elsewhere.
 */
import type {
  ComputeManagementClient,
  Gallery,
  GalleryImage,
  GalleryImageVersion,
  ResourceSku,
} from '@azure/arm-compute';
import type { GalleryRef, ImageRef, VersionRef } from '../domain/ids.js';
import type { ArmSettings } from './client.js';
import { DeadlineExceededError } from '../deadlines/deadline.js';
import { normalizeRegion } from '../domain/regions.js';

export type ArmGetResult<T> = { found: true; value: T } | { found: false };

export interface ArmReadOptions {
  /** Cancels the request (and the SDK's retries). */
  abortSignal?: AbortSignal;
}

export interface GalleryArmReader {
  /** A gallery, with `sharingProfile.groups` (`$expand=SharingProfile/Groups`). */
  getGallery(ref: GalleryRef, options?: ArmReadOptions): Promise<ArmGetResult<Gallery>>;
  getImage(ref: ImageRef, options?: ArmReadOptions): Promise<ArmGetResult<GalleryImage>>;
  /** A version, with `replicationStatus` (`$expand=ReplicationStatus`). */
  getVersion(ref: VersionRef, options?: ArmReadOptions): Promise<ArmGetResult<GalleryImageVersion>>;
  /** Every gallery of a subscription (all pages; without sharing groups, as ARM lists them). */
  listGalleries(subscriptionId: string, options?: ArmReadOptions): AsyncIterable<Gallery>;
  /** Every image definition of a gallery (all pages). Throws ArmNotFoundError when the gallery is gone. */
  listImages(ref: GalleryRef, options?: ArmReadOptions): AsyncIterable<GalleryImage>;
  /** Every version of an image definition (all pages; without replicationStatus, as ARM lists them). Throws ArmNotFoundError when the image is gone. */
  listVersions(ref: ImageRef, options?: ArmReadOptions): AsyncIterable<GalleryImageVersion>;
  /** The virtual machine sizes offered to a subscription in a region ("westeurope" or "West Europe"). */
  listVmSkus(subscriptionId: string, region: string, options?: ArmReadOptions): Promise<ResourceSku[]>;
}

// ------------------------------------------------------------------ errors

export interface ArmErrorDetails {
  /** HTTP status; undefined for network failures. */
  status: number | undefined;
  /** ARM error code (`TooManyRequests`, `AuthorizationFailed`...) or a network code (`ECONNRESET`). */
  code: string | undefined;
  /** ARM's `x-ms-request-id`, for support cases. */
  requestId?: string | undefined;
  /** What ARM asked to wait before retrying (Retry-After), in milliseconds. */
  retryAfterMs?: number | undefined;
}

export abstract class ArmError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, details: ArmErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** Throttling, server errors and network failures that outlasted the SDK's retries: retry later. */
export class ArmTransientError extends ArmError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, details: ArmErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.name = 'ArmTransientError';
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 401/403 or no usable credential: retrying will not help until access is granted. */
export class ArmAccessError extends ArmError {
  constructor(message: string, details: ArmErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.name = 'ArmAccessError';
  }
}

/** Any other 4xx: the request itself is wrong. */
export class ArmRequestError extends ArmError {
  constructor(message: string, details: ArmErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.name = 'ArmRequestError';
  }
}

/** A 404 from a list: the parent (gallery, image definition) does not exist. */
export class ArmNotFoundError extends ArmRequestError {
  constructor(message: string, details: ArmErrorDetails, options?: { cause?: unknown }) {
    super(message, details, options);
    this.name = 'ArmNotFoundError';
  }
}

/** The fields of a RestError (@azure/core-rest-pipeline) this module reads, checked structurally. */
interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestError(e: unknown): e is RestErrorLike {
  return e instanceof Error && e.name === 'RestError';
}

function statusOf(e: unknown): number | undefined {
  return isRestError(e) ? e.statusCode : undefined;
}

function retryAfterMs(e: RestErrorLike): number | undefined {
  const headers = e.response?.headers;
  if (!headers) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(headers.get(name) ?? Number.NaN);
    if (Number.isFinite(ms)) return Math.max(0, ms);
  }
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Maps whatever the SDK threw to an ArmError (aborts and programming errors pass through unchanged). */
export function toArmError(e: unknown, what: string): unknown {
  if (e instanceof ArmError) return e;
  // our own per-call timeout: ARM did not answer in time (a transient failure, retried later)
  if (e instanceof DeadlineExceededError)
    return new ArmTransientError(`ARM ${what}: ${e.message}`, { status: undefined, code: 'Timeout' }, { cause: e });
  if (e instanceof Error && e.name === 'AbortError') return e;
  if (isRestError(e)) {
    const status = e.statusCode;
    const details: ArmErrorDetails = {
      status,
      code: e.code,
      requestId: e.response?.headers.get('x-ms-request-id'),
      retryAfterMs: retryAfterMs(e),
    };
    const message = `ARM ${what} failed${status ? ` (${status}${e.code ? ` ${e.code}` : ''})` : e.code ? ` (${e.code})` : ''}: ${e.message}`;
    if (status === undefined || status === 408 || status === 429 || status >= 500)
      return new ArmTransientError(message, details, { cause: e });
    if (status === 401 || status === 403) return new ArmAccessError(message, details, { cause: e });
    if (status === 404) return new ArmNotFoundError(message, details, { cause: e });
    return new ArmRequestError(message, details, { cause: e });
  }
  // @azure/identity: no credential source at all is a configuration problem; a failed token
  // request is transient when the identity endpoint was throttled or down.
  if (e instanceof Error && e.name === 'CredentialUnavailableError') {
    return new ArmAccessError(
      `ARM ${what}: no credential available: ${e.message}`,
      { status: undefined, code: 'CredentialUnavailable' },
      { cause: e },
    );
  }
  if (e instanceof Error && e.name === 'AuthenticationError') {
    const status = (e as Error & { statusCode?: number }).statusCode;
    const details: ArmErrorDetails = { status, code: 'AuthenticationError' };
    const message = `ARM ${what}: could not get a token: ${e.message}`;
    return status !== undefined && (status === 429 || status >= 500)
      ? new ArmTransientError(message, details, { cause: e })
      : new ArmAccessError(message, details, { cause: e });
  }
  return e;
}

// ------------------------------------------------------------------ implementation

/** The ARM reader over the real compute client (one client per subscription, cached). */
export class ComputeGalleryArmReader implements GalleryArmReader {
  constructor(
    private readonly clientFor: (subscriptionId: string) => ComputeManagementClient | Promise<ComputeManagementClient>,
  ) {}

  getGallery(ref: GalleryRef, options: ArmReadOptions = {}): Promise<ArmGetResult<Gallery>> {
    return this.getOrNotFound(`get gallery ${ref.gallery}`, async () =>
      (await this.clientFor(ref.subscriptionId)).galleries.get(ref.resourceGroup, ref.gallery, {
        expand: 'SharingProfile/Groups',
        ...requestOptions(options),
      }),
    );
  }

  getImage(ref: ImageRef, options: ArmReadOptions = {}): Promise<ArmGetResult<GalleryImage>> {
    return this.getOrNotFound(`get image ${ref.gallery}/${ref.image}`, async () =>
      (await this.clientFor(ref.subscriptionId)).galleryImages.get(
        ref.resourceGroup,
        ref.gallery,
        ref.image,
        requestOptions(options),
      ),
    );
  }

  getVersion(ref: VersionRef, options: ArmReadOptions = {}): Promise<ArmGetResult<GalleryImageVersion>> {
    return this.getOrNotFound(`get version ${ref.gallery}/${ref.image}/${ref.version}`, async () =>
      (await this.clientFor(ref.subscriptionId)).galleryImageVersions.get(
        ref.resourceGroup,
        ref.gallery,
        ref.image,
        ref.version,
        {
          expand: 'ReplicationStatus',
          ...requestOptions(options),
        },
      ),
    );
  }

  listGalleries(subscriptionId: string, options: ArmReadOptions = {}): AsyncIterable<Gallery> {
    return mapErrors(`list galleries of ${subscriptionId}`, async () =>
      (await this.clientFor(subscriptionId)).galleries.list(requestOptions(options)),
    );
  }

  listImages(ref: GalleryRef, options: ArmReadOptions = {}): AsyncIterable<GalleryImage> {
    return mapErrors(`list images of ${ref.gallery}`, async () =>
      (await this.clientFor(ref.subscriptionId)).galleryImages.listByGallery(
        ref.resourceGroup,
        ref.gallery,
        requestOptions(options),
      ),
    );
  }

  listVersions(ref: ImageRef, options: ArmReadOptions = {}): AsyncIterable<GalleryImageVersion> {
    return mapErrors(`list versions of ${ref.gallery}/${ref.image}`, async () =>
      (await this.clientFor(ref.subscriptionId)).galleryImageVersions.listByGalleryImage(
        ref.resourceGroup,
        ref.gallery,
        ref.image,
        requestOptions(options),
      ),
    );
  }

  async listVmSkus(subscriptionId: string, region: string, options: ArmReadOptions = {}): Promise<ResourceSku[]> {
    const location = normalizeRegion(region);
    const filter = `location eq '${location.replace(/'/g, "''")}'`;
    const out: ResourceSku[] = [];
    for await (const sku of mapErrors(`list VM sizes of ${subscriptionId} in ${location}`, async () =>
      (await this.clientFor(subscriptionId)).resourceSkus.list({ filter, ...requestOptions(options) }),
    )) {
      if ((sku.resourceType ?? '').toLowerCase() === 'virtualmachines') out.push(sku);
    }
    return out;
  }

  private async getOrNotFound<T>(what: string, call: () => Promise<T>): Promise<ArmGetResult<T>> {
    try {
      return { found: true, value: await call() };
    } catch (e) {
      if (statusOf(e) === 404) return { found: false };
      throw toArmError(e, what);
    }
  }
}

function requestOptions(options: ArmReadOptions): { abortSignal?: AbortSignal } {
  return options.abortSignal ? { abortSignal: options.abortSignal } : {};
}

/** Re-yields an SDK paged iterator (which follows nextLink), mapping its errors. */
async function* mapErrors<T>(what: string, start: () => Promise<AsyncIterable<T>>): AsyncGenerator<T, void, undefined> {
  try {
    yield* await start();
  } catch (e) {
    throw toArmError(e, what);
  }
}

/**
 * The ARM reader for these settings (clients cached per subscription). The compute SDK (the
 * largest dependency) is loaded on the first ARM read, not at start-up.
 */
export function createGalleryArmReader(arm: ArmSettings): GalleryArmReader {
  return new ComputeGalleryArmReader(async (subscriptionId) =>
    (await import('./client.js')).createComputeClient(arm, subscriptionId),
  );
}
