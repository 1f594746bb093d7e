/**
 * The `@azure/arm-compute` client, configured once per (ARM settings, subscription).
 *
 * - `endpoint` comes from configuration (the SDK ignores `baseUri`; `endpoint` redirects it), so
 *   the same code talks to Azure or to the local ARM simulator.
 * - `retryOptions` are explicit: the SDK's default retry policy honours `Retry-After` on 429/503
 *   and retries 408/5xx (except 501/505) and network errors with exponential back-off, up to
 *   `maxRetries`. NB a `Retry-After` is waited in full, whatever `maxRetryDelayInMs` says.
 *
 * Credentials:
 * - 'default'         → DefaultAzureCredential (managedIdentityClientId = ARM_CLIENT_ID when set)
 * - 'managedidentity' → ManagedIdentityCredential (user-assigned when ARM_CLIENT_ID is set)
 * - 'local'           → a static development token, only for a loopback endpoint (the simulator).
 *   The SDK's bearerTokenAuthenticationPolicy refuses any non-https URL, and the simulator serves
 *   plain http (no certificate to generate, trust or ship). So for 'local' we remove that policy
 *   from `client.pipeline` and add a one-line policy in the Sign phase that sets
 *   `Authorization: Bearer local-dev-token`; the client also gets `allowInsecureConnection` for an
 *   http endpoint. The real pipeline (retry, paging, deserialisation, error mapping) is untouched.
 *   If a future SDK renames the bearer policy, creation fails loudly rather than silently.
 */
import { ComputeManagementClient, type ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { isLoopback, type Config } from '../config.js';
import { armReadThrottle } from './read-throttle.js';
import { deadlinePolicy } from '../deadlines/deadline.js';
import { withoutRequestSpans } from '../sdk-tracing.js';

export type ArmSettings = Config['arm'];

/** The token the 'local' credential sends; the ARM simulator accepts any bearer token. */
export const LOCAL_DEV_TOKEN = 'local-dev-token';

/** Name of the SDK's bearer token policy (`bearerTokenAuthenticationPolicyName` in @azure/core-rest-pipeline). */
const BEARER_POLICY_NAME = 'bearerTokenAuthenticationPolicy';
const LOCAL_TOKEN_POLICY_NAME = 'galleryCatalogLocalDevToken';
/** ARM_TIMEOUT_MS's default. */
const DEFAULT_ARM_TIMEOUT_MS = 15_000;

// Types of the SDK's own dependencies, taken through the client (they are not direct dependencies here).
type PipelinePolicy = Parameters<ComputeManagementClient['pipeline']['addPolicy']>[0];
type TokenCredential = ConstructorParameters<typeof ComputeManagementClient>[0];
type AccessToken = NonNullable<Awaited<ReturnType<TokenCredential['getToken']>>>;

const localTokenPolicy: PipelinePolicy = {
  name: LOCAL_TOKEN_POLICY_NAME,
  sendRequest(request, next) {
    request.headers.set('Authorization', `Bearer ${LOCAL_DEV_TOKEN}`);
    return next(request);
  },
};

/** A credential that is never asked for a token (its policy is removed); the SDK constructor needs one. */
const localCredential: TokenCredential = {
  getToken(): Promise<AccessToken> {
    return Promise.resolve({ token: LOCAL_DEV_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 });
  },
};

const credentials = new Map<string, TokenCredential>();
const clients = new Map<string, ComputeManagementClient>();

function credentialFor(arm: ArmSettings): TokenCredential {
  if (arm.credential === 'local') return localCredential;
  const key = `${arm.credential}|${arm.clientId ?? ''}`;
  let credential = credentials.get(key);
  if (!credential) {
    credential =
      arm.credential === 'managedidentity'
        ? new ManagedIdentityCredential(arm.clientId ? { clientId: arm.clientId } : {})
        : new DefaultAzureCredential(arm.clientId ? { managedIdentityClientId: arm.clientId } : {});
    credentials.set(key, credential);
  }
  return credential;
}

/**
 * The compute client of one subscription, created on first use and cached (one per subscription
 * and ARM settings: the credential caches its tokens, the client its connections).
 */
export function createComputeClient(arm: ArmSettings, subscriptionId: string): ComputeManagementClient {
  const endpoint = arm.endpoint.replace(/\/+$/, '');
  const key = [
    endpoint,
    arm.credential,
    arm.clientId ?? '',
    arm.maxRetries,
    arm.retryDelayMs,
    arm.maxRetryDelayMs,
    arm.timeoutMs,
    arm.backgroundTimeoutMs,
    subscriptionId.toLowerCase(),
  ].join('|');
  const cached = clients.get(key);
  if (cached) return cached;

  const url = new URL(endpoint);
  const local = arm.credential === 'local';
  if (local && !isLoopback(url.hostname)) {
    throw new Error(`ARM credential 'local' is only allowed with a loopback endpoint, not ${url.host}`);
  }
  const options: ComputeManagementClientOptionalParams = {
    endpoint,
    retryOptions: {
      maxRetries: arm.maxRetries,
      retryDelayInMs: arm.retryDelayMs,
      maxRetryDelayInMs: arm.maxRetryDelayMs,
    },
    userAgentOptions: { userAgentPrefix: 'gallery-catalog' },
    // The token audience follows the endpoint (public cloud: https://management.azure.com/.default).
    credentials: { scopes: [`${url.origin}/.default`] },
    ...(local && url.protocol === 'http:' ? { allowInsecureConnection: true } : {}),
  };
  const client = withoutRequestSpans(new ComputeManagementClient(credentialFor(arm), subscriptionId, options));
  if (local) useLocalToken(client);
  // after the retry policy: every attempt waits for a read token of the subscription
  client.pipeline.addPolicy(armReadThrottle.policyFor(subscriptionId), { phase: 'Sign' });
  // every attempt has a deadline (ARM_TIMEOUT_MS, or less of an HTTP request's budget)
  client.pipeline.addPolicy(
    deadlinePolicy<Parameters<PipelinePolicy['sendRequest']>[0], Awaited<ReturnType<PipelinePolicy['sendRequest']>>>(
      'arm',
      arm.timeoutMs ?? DEFAULT_ARM_TIMEOUT_MS,
      arm.backgroundTimeoutMs ?? 30_000,
    ),
    { afterPhase: 'Sign' },
  );
  clients.set(key, client);
  return client;
}

function useLocalToken(client: ComputeManagementClient): void {
  const removed = client.pipeline.removePolicy({ name: BEARER_POLICY_NAME });
  if (removed.length !== 1) {
    throw new Error(`could not find the SDK's ${BEARER_POLICY_NAME} to replace with the local development token`);
  }
  client.pipeline.addPolicy(localTokenPolicy, { phase: 'Sign' });
}

/** Forgets every cached client and credential (tests). */
export function clearComputeClientCache(): void {
  clients.clear();
  credentials.clear();
}
