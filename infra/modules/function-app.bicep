// Flex Consumption plan and the Function App (Linux, Node 22, user-assigned identity).
//
// Flex Consumption specifics (not the same as the Linux Consumption plan):
//   - the language and version are functionAppConfig.runtime, NOT the FUNCTIONS_WORKER_RUNTIME /
//     FUNCTIONS_EXTENSION_VERSION app settings (the platform rejects those on Flex);
//   - the code package lives in a blob container named in functionAppConfig.deployment.storage and
//     is read with the app's managed identity;
//   - there is no Azure Files content share (no WEBSITE_CONTENTAZUREFILECONNECTIONSTRING).
//
// App settings: every setting shared/config.ts marks `azure: 'set'` must be in the appSettings array
// below, and no `alternative` setting (the connection-string forms CatalogStorage and
// ServiceBusConnection) may be. test/infra/bicep.test.ts reads this file and checks both; keep each
// setting a literal `name: '...'` entry so the text check can see it.

param name string
param planName string
param location string
param tags object = {}

@description('Value of the azd-service-name tag: the service name in azure.yaml.')
param serviceName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity (the *__clientId settings).')
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('Service Bus host name, e.g. sb-x.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Source subscriptions whose galleries the catalog reads (ARM_SUBSCRIPTION_IDS).')
param sourceSubscriptionIds array

@description('Six-field NCRONTAB schedule of the full reconcile (RECONCILE_SCHEDULE).')
param reconcileSchedule string

@description('Six-field NCRONTAB schedule of the re-check of settling versions (RECHECK_SCHEDULE).')
param recheckSchedule string

@description('Six-field NCRONTAB schedule of the refresh of cached VM size capabilities (VM_SIZES_SCHEDULE).')
param vmSizesSchedule string

@description('The group-jobs queue max delivery count (GROUP_JOBS_MAX_DELIVERY_COUNT): the code records a job dead-lettered on that delivery.')
param groupJobsMaxDeliveryCount int

@description('The reconcile-units queue max delivery count (RECONCILE_UNITS_MAX_DELIVERY_COUNT): the code records a unit failed on that delivery.')
param reconcileUnitsMaxDeliveryCount int

@description('Endpoint of the domain-event topic (DomainEvents__topicEndpointUri).')
param domainEventsEndpoint string

@description('Six-field NCRONTAB schedule of the publishing of outbox leftovers (OUTBOX_SCHEDULE).')
param outboxSchedule string

@description('Prefix of the catalog table names (CATALOG_TABLE_PREFIX).')
param catalogTablePrefix string

@description('Replica advice: share of a group\'s capacity maximum assumed created at once, in (0, 1] (REPLICA_BURST_FACTOR).')
param replicaBurstFactor string = '1'

@description('Replica cost estimates (REPLICA_PRICE_*, REPLICA_EGRESS_PRICE_PER_GB): estimate defaults in USD; set your region\'s snapshot and bandwidth prices.')
param replicaPrices object = {
  currency: 'USD'
  standardLRS: '0.05'
  standardZRS: '0.0625'
  premiumLRS: '0.12'
  egressPerGB: '0.02'
}

@description('Upper bound of instances the app scales out to (Flex Consumption: at most 1000).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Client id of the Microsoft Entra app registration that callers get tokens for (App Service authentication). The HTTP API trusts the x-ms-client-principal header only because this authentication sets it and strips it from incoming requests.')
param authClientId string

@description('Tenant of the app registration (the issuer is https://login.microsoftonline.com/<tenant>/v2.0 when it is the only allowed tenant).')
param authTenantId string

@description('Tenants whose principals may call the API (AUTH_ALLOWED_TENANTS); more than one makes the sign-in multi-tenant.')
param authAllowedTenantIds array

@description('Six-field NCRONTAB schedule of the sweep that sends again jobs whose message has not run (JOBS_SWEEP_SCHEDULE).')
param jobsSweepSchedule string = '0 */1 * * * *'

@description('Versionless URI of the Key Vault secret holding the Spot API token (SPOT_API_TOKEN is a Key Vault reference to it).')
param spotApiTokenSecretUri string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the system-assigned identity unless told otherwise; this
    // app has only the user-assigned one (app-service-key-vault-references.md, "Access vaults with a
    // user-assigned identity").
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      // No cross-origin caller: the console is served by the app itself. With no allowed origin a
      // browser's preflight of a cross-site JSON request fails, so another site cannot call the API
      // with a signed-in user's session cookie (the API accepts JSON bodies only).
      cors: {
        allowedOrigins: []
        supportCredentials: false
      }
      appSettings: [
        // Functions host storage, identity-based (no AzureWebJobsStorage connection string).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        // Application Insights with Microsoft Entra authentication (local auth is disabled).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // Catalog tables (connection CatalogStorage), identity-based.
        {
          name: 'CatalogStorage__tableServiceUri'
          value: 'https://${storageAccountName}.table.${environment().suffixes.storage}'
        }
        {
          name: 'CatalogStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'CatalogStorage__clientId'
          value: identityClientId
        }
        {
          name: 'CATALOG_TABLE_PREFIX'
          value: catalogTablePrefix
        }
        // Service Bus (connection ServiceBusConnection: groupJobs trigger and job submission, reconcile units).
        {
          name: 'ServiceBusConnection__fullyQualifiedNamespace'
          value: serviceBusFullyQualifiedNamespace
        }
        {
          name: 'ServiceBusConnection__credential'
          value: 'managedidentity'
        }
        {
          name: 'ServiceBusConnection__clientId'
          value: identityClientId
        }
        // ARM reads of the source subscriptions' galleries.
        {
          name: 'ARM_CREDENTIAL'
          value: 'managedidentity'
        }
        {
          name: 'ARM_CLIENT_ID'
          value: identityClientId
        }
        {
          name: 'ARM_SUBSCRIPTION_IDS'
          value: join(sourceSubscriptionIds, ',')
        }
        // Timer schedules: the triggers use them as %RECONCILE_SCHEDULE% / %RECHECK_SCHEDULE%
        // binding expressions, so they must exist as app settings (a default in code is not enough).
        {
          name: 'RECONCILE_SCHEDULE'
          value: reconcileSchedule
        }
        {
          name: 'RECHECK_SCHEDULE'
          value: recheckSchedule
        }
        {
          name: 'VM_SIZES_SCHEDULE'
          value: vmSizesSchedule
        }
        {
          name: 'GROUP_JOBS_MAX_DELIVERY_COUNT'
          value: string(groupJobsMaxDeliveryCount)
        }
        {
          name: 'RECONCILE_UNITS_MAX_DELIVERY_COUNT'
          value: string(reconcileUnitsMaxDeliveryCount)
        }
        {
          name: 'DomainEvents__topicEndpointUri'
          value: domainEventsEndpoint
        }
        {
          name: 'DomainEvents__credential'
          value: 'managedidentity'
        }
        {
          name: 'DomainEvents__clientId'
          value: identityClientId
        }
        {
          name: 'OUTBOX_SCHEDULE'
          value: outboxSchedule
        }
        // Replica advice: demand assumption and the price table of the estimates.
        {
          name: 'REPLICA_BURST_FACTOR'
          value: replicaBurstFactor
        }
        {
          name: 'REPLICA_PRICE_CURRENCY'
          value: replicaPrices.currency
        }
        {
          name: 'REPLICA_PRICE_STANDARD_LRS'
          value: replicaPrices.standardLRS
        }
        {
          name: 'REPLICA_PRICE_STANDARD_ZRS'
          value: replicaPrices.standardZRS
        }
        {
          name: 'REPLICA_PRICE_PREMIUM_LRS'
          value: replicaPrices.premiumLRS
        }
        {
          name: 'REPLICA_EGRESS_PRICE_PER_GB'
          value: replicaPrices.egressPerGB
        }
        // Tenants allowed to call the API: the app refuses principals of any other tenant (403),
        // because a multi-tenant issuer lets App Service authentication admit every tenant.
        {
          name: 'AUTH_ALLOWED_TENANTS'
          value: join(authAllowedTenantIds, ',')
        }
        // The operator's tenant: the app registration's home tenant. Its Catalog.Admin principals
        // manage every organization; another tenant's administrators only the organization that
        // names them (a multi-tenant app lets every tenant assign its own app roles).
        {
          name: 'AUTH_OPERATOR_TENANT'
          value: authTenantId
        }
        {
          name: 'JOBS_SWEEP_SCHEDULE'
          value: jobsSweepSchedule
        }
        // The Spot API token, never in the app settings themselves: a Key Vault reference that App
        // Service resolves into the environment variable (an unresolved reference stays as written,
        // and the app then reports the Spot target as not configured).
        {
          name: 'SPOT_API_TOKEN'
          value: '@Microsoft.KeyVault(SecretUri=${spotApiTokenSecretUri})'
        }
        {
          // Host setting: request bodies larger than this (bytes) are refused by the host, as the
          // local runtime does (4 MiB; the host's default is 100 MB).
          name: 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT'
          value: '4194304'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// App Service authentication (Easy Auth): every request needs a Microsoft Entra token, except the
// Event Grid webhook (it carries the extension's system key), the health probe and the OpenAPI
// description. The platform sets x-ms-client-principal from the token, which the API reads as the
// caller, and strips any such header a client sends. Every HTTP function is authLevel 'anonymous'
// (no function keys): this authentication is the gate, and the app checks the token's app roles
// (Catalog.Read, Jobs.Submit, Catalog.Admin) itself, which Easy Auth does not do
// (MicrosoftDocs/azure-docs articles/app-service/configure-authentication-provider-aad.md,
// "Daemon client application": roles are validated in the app code).
//
// Multi-tenant: with more than one allowed tenant the issuer is the `organizations` endpoint, so
// tokens of every Entra tenant pass Easy Auth; the app then admits only AUTH_ALLOWED_TENANTS
// (the advice of jpazureid.github.io/blog/azure-active-directory/app-service-auth-multi-tenant/
// for several tenants: the application checks the tenant itself). The app registration must be
// multi-tenant (signInAudience AzureADMultipleOrgs) and issue v2 access tokens.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/runtime/webhooks/eventgrid'
        '/api/health'
        '/api/openapi.json'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: length(authAllowedTenantIds) > 1 ? '${environment().authentication.loginEndpoint}organizations/v2.0' : '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
        }
      }
    }
    httpSettings: {
      requireHttps: true
    }
    login: {
      tokenStore: {
        enabled: false
      }
      // The session cookie (AppServiceAuthSession) lives 8 hours whatever the token says. Its
      // SameSite attribute is the platform's: authsettingsV2 has no setting for it.
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: '08:00:00'
      }
    }
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
