// The app's domain-event topic: an Event Grid custom topic in the CloudEvents 1.0 schema that the
// app publishes to with @azure/eventgrid (GalleryCatalog.ImageVersionReady, LatestVersionChanged,
// GroupJobCompleted, GroupRolled), the EventGrid Data Sender role for the app identity on it (no
// access keys: local auth is off), and the event subscriptions of the app's own consumers.
//
// The consumers are defined ONCE, in infra/event-subscriptions.json, read here with
// loadJsonContent and by the local runtime (dev/runtime/event-grid-topic.ts), so the local topic
// delivers exactly what Azure delivers. Like the gallery events, the subscriptions target
// functions (endpoint type AzureFunction), which exist only after the first deploy: they are
// created once wireEventSubscriptions is true.

param name string
param location string
param tags object = {}

@description('Principal (object) id of the app identity (publishes the events).')
param appPrincipalId string

@description('Name of the Function App whose functions consume the events.')
param functionAppName string

@description('Create the event subscriptions (the functions must exist: after the first deploy).')
param wireEventSubscriptions bool

param storageAccountName string
param deadLetterContainerName string

var subscriptions = loadJsonContent('../event-subscriptions.json').subscriptions
var eventGridDataSenderRoleId = 'd5a91429-5739-47e2-a06b-3470a27159e7' // EventGrid Data Sender

resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource sender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appPrincipalId, eventGridDataSenderRoleId)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSenderRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

// The topic's identity writes dead-lettered events into the app's dead-letter container.
module deadLetterAccess 'dead-letter-access.bicep' = {
  name: 'domain-events-dead-letter'
  params: {
    storageAccountName: storageAccountName
    containerName: deadLetterContainerName
    principalId: topic.identity.principalId
  }
}

resource consumers 'Microsoft.EventGrid/topics/eventSubscriptions@2022-06-15' = [
  for s in subscriptions: if (wireEventSubscriptions) {
    parent: topic
    name: s.name
    properties: {
      destination: {
        endpointType: 'AzureFunction'
        properties: {
          resourceId: '${resourceId('Microsoft.Web/sites', functionAppName)}/functions/${s.function}'
          maxEventsPerBatch: 1
          preferredBatchSizeInKilobytes: 64
        }
      }
      eventDeliverySchema: 'CloudEventSchemaV1_0'
      filter: {
        includedEventTypes: s.includedEventTypes
      }
      retryPolicy: {
        maxDeliveryAttempts: s.maxDeliveryAttempts
        eventTimeToLiveInMinutes: s.eventTimeToLiveInMinutes
      }
      deadLetterWithResourceIdentity: {
        identity: {
          type: 'SystemAssigned'
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: storage.id
            blobContainerName: deadLetterContainerName
          }
        }
      }
    }
    dependsOn: [
      deadLetterAccess
    ]
  }
]

output name string = topic.name
@description('The endpoint the publisher client posts to (…/api/events).')
output endpoint string = topic.properties.endpoint
