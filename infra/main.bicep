// gallery-catalog: the whole Azure deployment (azd: `azd up`, then see infra/README.md).
//
// Scope: subscription. The template creates the app's resource group (azd's convention, so that
// `azd down` finds it) and, for every source subscription, deploys source-subscription.bicep at
// that subscription's scope: a Reader role assignment, an Event Grid system topic and, once the code
// is deployed, the event subscription. A resource-group-scoped main.bicep could reach other
// subscriptions through modules too, but would need the resource group to exist beforehand.
//
// Identities: one user-assigned managed identity for the Function App; no connection strings,
// no account keys (storage shared-key access, Service Bus SAS and Application Insights local auth are
// all disabled). The Event Grid topics use their own system-assigned identities for dead-lettering.
//
// Plain resources rather than Azure Verified Modules: test/infra/bicep.test.ts checks these files
// as text (no Bicep compiler offline), and the properties it checks (app settings, queue flags,
// event filters, role ids) would otherwise be hidden behind module parameters.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; part of every resource name.')
param environmentName string

@minLength(1)
@description('Region of the app\'s resources. Flex Consumption is not in every region: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group of the app; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Comma-separated ids of the subscriptions whose galleries the catalog watches; empty means this subscription only.')
param sourceSubscriptionIds string = ''

@description('Create the Event Grid event subscriptions. Leave false until the code is deployed (first azd up), then set true and run azd provision.')
param wireGalleryEvents bool = false

@description('Per source subscription id, an existing Microsoft.Resources.Subscriptions system topic to reuse: { "<subscription id>": { "resourceGroup": "...", "name": "..." } }.')
param systemTopicOverrides object = {}

@description('Resource group, in each source subscription, of the system topic this template creates.')
param topicResourceGroupName string = 'rg-gallery-catalog-events'

@description('Name of the system topic this template creates in each source subscription.')
param topicName string = 'gallery-catalog-arm-events'

@description('Six-field NCRONTAB schedule of the full reconcile against ARM.')
param reconcileSchedule string = '0 0 */6 * * *'

@description('Six-field NCRONTAB schedule of the re-check of versions still provisioning or replicating.')
param recheckSchedule string = '0 */2 * * * *'

@description('Six-field NCRONTAB schedule of the refresh of cached VM size capabilities.')
param vmSizesSchedule string = '0 30 3 * * *'

@description('Six-field NCRONTAB schedule of the publishing of domain events left in the outbox.')
param outboxSchedule string = '0 */1 * * * *'

@description('Prefix of the catalog table names.')
param catalogTablePrefix string = 'gc'

@description('Flex Consumption scale-out limit (up to 1000; the platform floor was 40 and is now 1); it also bounds concurrent ARM reads.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance, MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Deliveries of a group-jobs message before it is dead-lettered.')
@minValue(2)
param groupJobsMaxDeliveryCount int = 10

@description('Deliveries of a reconcile unit before it is recorded failed and, failing that, dead-lettered.')
@minValue(2)
param reconcileUnitsMaxDeliveryCount int = 5

@description('Client id of the Microsoft Entra app registration callers get tokens for (App Service authentication).')
param authClientId string

@description('Tenant of that app registration; defaults to the deploying tenant.')
param authTenantId string = tenant().tenantId

@description('Further Microsoft Entra tenants whose principals may call the API, comma-separated (multi-tenant sign-in). The app registration\'s own tenant is always allowed.')
param authAllowedTenantIds string = ''

@description('Resource group ids (comma-separated) the apply may deploy scale sets and VMs into: the app identity gets Virtual Machine Contributor and Network Contributor there. Organizations name them in their apply setting.')
param applyResourceGroupIds string = ''

@description('Resource group ids (comma-separated) of the virtual networks whose subnets applied scale sets and VMs join: Network Contributor there.')
param applyNetworkResourceGroupIds string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'catalog'
var appResourceGroupName = !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package'
var deadLetterContainerName = 'eventgrid-deadletter'
var listedSubscriptions = map(filter(split(sourceSubscriptionIds, ','), s => !empty(trim(s))), s => toLower(trim(s)))
var sourceSubscriptions = empty(listedSubscriptions) ? [subscription().subscriptionId] : listedSubscriptions
var applyDeployGroups = map(filter(split(applyResourceGroupIds, ','), g => !empty(trim(g))), g => { id: trim(g), deploy: true })
var applyNetworkGroups = map(filter(split(applyNetworkResourceGroupIds, ','), g => !empty(trim(g)) && !contains(map(applyDeployGroups, d => toLower(d.id)), toLower(trim(g)))), g => { id: trim(g), deploy: false })
var allowedTenants = union([toLower(authTenantId)], map(filter(split(authAllowedTenantIds, ','), t => !empty(trim(t))), t => toLower(trim(t))))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: appResourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-func-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    maxDeliveryCount: groupJobsMaxDeliveryCount
    unitsMaxDeliveryCount: reconcileUnitsMaxDeliveryCount
  }
}

module appRoles 'modules/app-roles.bicep' = {
  name: 'app-roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    unitsQueueName: serviceBus.outputs.unitsQueueName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module domainEvents 'modules/domain-events.bicep' = {
  name: 'domain-events'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    functionAppName: functionAppName
    wireEventSubscriptions: wireGalleryEvents
    storageAccountName: storage.outputs.name
    deadLetterContainerName: storage.outputs.deadLetterContainerName
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    sourceSubscriptionIds: sourceSubscriptions
    reconcileSchedule: reconcileSchedule
    recheckSchedule: recheckSchedule
    vmSizesSchedule: vmSizesSchedule
    groupJobsMaxDeliveryCount: groupJobsMaxDeliveryCount
    reconcileUnitsMaxDeliveryCount: reconcileUnitsMaxDeliveryCount
    domainEventsEndpoint: domainEvents.outputs.endpoint
    outboxSchedule: outboxSchedule
    authClientId: authClientId
    authTenantId: authTenantId
    authAllowedTenantIds: allowedTenants
    catalogTablePrefix: catalogTablePrefix
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // Start the host only once its identity can reach storage, Service Bus and Application Insights.
  dependsOn: [
    appRoles
  ]
}

module sources 'modules/source-subscription.bicep' = [
  for subscriptionId in sourceSubscriptions: {
    name: 'gc-src-${resourceToken}-${subscriptionId}'
    scope: subscription(subscriptionId)
    params: {
      appPrincipalId: identity.outputs.principalId
      environmentToken: resourceToken
      topicResourceGroupName: contains(systemTopicOverrides, subscriptionId) ? systemTopicOverrides[subscriptionId].resourceGroup : topicResourceGroupName
      topicName: contains(systemTopicOverrides, subscriptionId) ? systemTopicOverrides[subscriptionId].name : topicName
      createTopic: !contains(systemTopicOverrides, subscriptionId)
      topicResourceGroupLocation: location
      tags: {
        'gallery-catalog': 'arm-events'
      }
      appSubscriptionId: subscription().subscriptionId
      appResourceGroupName: rg.name
      storageAccountName: storage.outputs.name
      storageAccountId: storage.outputs.id
      deadLetterContainerName: storage.outputs.deadLetterContainerName
      wireGalleryEvents: wireGalleryEvents
      functionAppId: functionApp.outputs.id
      eventSubscriptionName: 'gallery-catalog-${resourceToken}'
    }
  }
]

// Roles in the resource groups the apply deploys into (and where their subnets are): apply-access.bicep.
module applyAccess 'modules/apply-access.bicep' = [
  for (group, i) in concat(applyDeployGroups, applyNetworkGroups): {
    name: 'gc-apply-${resourceToken}-${i}'
    scope: resourceGroup(split(group.id, '/')[2], split(group.id, '/')[4])
    params: {
      appPrincipalId: identity.outputs.principalId
      deploy: group.deploy
    }
  }
]

// azd stores these in the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_CATALOG_URL string = 'https://${functionApp.outputs.defaultHostName}'
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output GROUP_JOBS_QUEUE_NAME string = serviceBus.outputs.queueName
output RECONCILE_UNITS_QUEUE_NAME string = serviceBus.outputs.unitsQueueName
output CATALOG_SOURCE_SUBSCRIPTIONS string = join(sourceSubscriptions, ',')
output GALLERY_EVENTS_WIRED bool = wireGalleryEvents
output DOMAIN_EVENTS_TOPIC string = domainEvents.outputs.name
output DOMAIN_EVENTS_ENDPOINT string = domainEvents.outputs.endpoint
