// Role assignments of the Function App's user-assigned identity inside the app's resource group,
// each at the narrowest scope that works and named guid(scope, principal, role) so a re-deployment
// finds the same assignment instead of failing with RoleAssignmentExists.
//
// Not here: Reader on each source subscription (source-subscription.bicep) and the Event Grid
// topics' dead-letter access (dead-letter-access.bicep).

@description('Principal (object) id of the app identity.')
param principalId string

param storageAccountName string
param serviceBusNamespaceName string
param queueName string
@description('The reconcile-units queue.')
param unitsQueueName string
param applicationInsightsName string

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: queueName
}

resource unitsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: unitsQueueName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Functions host storage (AzureWebJobsStorage: host keys, timer leases) and the Flex Consumption
// deployment container. The host needs Owner, not Contributor, on blob data.
resource hostBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Catalog tables (CatalogStorage): read, write, create tables. No blob or queue data rights.
resource catalogTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// groupJobs trigger: receive and settle (complete, abandon, dead-letter) on this queue only.
// With Receiver (no Manage claim) the scale controller cannot read the queue's message count and
// falls back to peeking the oldest message for its scaling decision; Data Owner would give the exact
// count but also rights to manage the queue, which the app does not need.
resource queueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, principalId, roleIds.serviceBusDataReceiver)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// HTTP job submission: send to this queue only.
resource queueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, principalId, roleIds.serviceBusDataSender)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// reconcileCatalog (and any instance planning a run) sends the units; reconcileUnit receives and
// settles them, reconcileUnitsDeadLetter reads the dead-letter sub-queue. Both on this queue only:
// the group-jobs assignments above do not reach it.
resource unitsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(unitsQueue.id, principalId, roleIds.serviceBusDataReceiver)
  scope: unitsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource unitsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(unitsQueue.id, principalId, roleIds.serviceBusDataSender)
  scope: unitsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry with Entra authentication (the component has local auth disabled).
resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
