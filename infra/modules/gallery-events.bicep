// The event subscription that delivers a source subscription's gallery events to the galleryEvents
// function (functions/galleryEvents.ts, an eventGrid trigger).
//
// The filter must equal what the code handles (shared/catalog/events.ts):
//   includedEventTypes          == HANDLED_EVENT_TYPES
//   data.operationName StringIn == HANDLED_OPERATIONS
// test/infra/bicep.test.ts reads both lists below and compares them with the code: keep them
// literal. StringIn compares case-insensitively, which matters because ARM is not consistent about
// the case of operation names.
//
// Delivery endpoint: `AzureFunction` (the function's resource id), not a WebHook to
// https://<host>/runtime/webhooks/eventgrid?functionName=galleryEvents&code=<eventgrid_extension key>.
//   - Event Grid fetches the function's key itself with its own service principal, so no key is read
//     by the template, none lands in deployment history or azd's .env, and rotating the
//     eventgrid_extension system key breaks nothing.
//   - The eventgrid_extension key only exists after the code is deployed and the host has started
//     once, and ARM has no reliable way to read it during a deployment; a WebHook subscription would
//     also need the validation handshake to reach a Flex Consumption instance that may be cold.
//   - Event Grid checks that the target is an Event Grid trigger, handles the handshake, and adapts
//     its delivery rate to the function.
// Either way the function must already exist, which is why main.bicep creates this subscription
// only when wireGalleryEvents is true (the second `azd provision`, after the code is deployed).
//
// Retry: the Event Grid maximum (30 attempts over 24 hours) - the handler throws only on transient
// failures (ARM throttling or outage, table store errors). What still cannot be delivered is written
// to the dead-letter container with the topic's system-assigned identity (the storage account
// accepts no shared keys).

@description('Name of the source subscription\'s system topic (in this resource group).')
param topicName string

@description('Name of this environment\'s event subscription on the topic.')
param eventSubscriptionName string

@description('Resource id of the Function App.')
param functionAppId string

@description('Resource id of the storage account holding the dead-letter container.')
param deadLetterStorageAccountId string

param deadLetterContainerName string

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: topicName
}

resource galleryEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: eventSubscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/galleryEvents'
        // The trigger takes one event per invocation; gallery events are few.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
        'Microsoft.Resources.ResourceDeleteSuccess'
        'Microsoft.Resources.ResourceActionSuccess'
        'Microsoft.Resources.ResourceWriteFailure'
        'Microsoft.Resources.ResourceDeleteFailure'
        'Microsoft.Resources.ResourceActionFailure'
        'Microsoft.Resources.ResourceWriteCancel'
        'Microsoft.Resources.ResourceDeleteCancel'
        'Microsoft.Resources.ResourceActionCancel'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            'Microsoft.Compute/galleries/write'
            'Microsoft.Compute/galleries/delete'
            'Microsoft.Compute/galleries/share/action'
            'Microsoft.Compute/galleries/images/write'
            'Microsoft.Compute/galleries/images/delete'
            'Microsoft.Compute/galleries/images/versions/write'
            'Microsoft.Compute/galleries/images/versions/delete'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output id string = galleryEvents.id
output name string = galleryEvents.name
