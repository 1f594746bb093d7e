// Service Bus namespace, the group-jobs queue and the reconcile-units queue.
//
// The queue name, the sessions flag and the connection settings must match the code:
// GROUP_JOBS_QUEUE ('group-jobs') and the groupJobs trigger (isSessionsEnabled: true, connection
// 'ServiceBusConnection') in shared/config.ts and functions/. test/infra/bicep.test.ts checks this.
//
// Sessions: one session per group (sessionId = group identity), so jobs on one group run in order.
// Duplicate detection: jobId is the messageId, so a resubmitted job inside the window is dropped.
// requiresSession and requiresDuplicateDetection cannot be changed on an existing queue: changing
// them means deleting and re-creating the queue (drain it first).
// Sessions and duplicate detection need the Standard tier or higher (Basic has neither).
//
// reconcile-units (RECONCILE_UNITS_QUEUE, the reconcileUnit trigger): one message per gallery of a
// reconcile run, no sessions (units run in parallel), messageId = run id + gallery key (a plan sent
// again is dropped). Its max delivery count must equal RECONCILE_UNITS_MAX_DELIVERY_COUNT: on that
// delivery the code records a failing unit failed; what dead-letters anyway (an instance lost on
// the last delivery, an expired message) is recorded by reconcileUnitsDeadLetter.

param name string
param location string
param tags object = {}

@description('Deliveries before a message is dead-lettered (host retries a throwing handler until then).')
@minValue(2)
param maxDeliveryCount int = 10

@description('Deliveries of a reconcile unit before it is dead-lettered (RECONCILE_UNITS_MAX_DELIVERY_COUNT).')
@minValue(2)
param unitsMaxDeliveryCount int = 5

@description('ISO 8601 window in which a repeated messageId (jobId) is dropped as a duplicate (at most 7 days).')
param duplicateDetectionWindow string = 'P1D'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  // Standard: sessions, duplicate detection and dead-lettering at a small base charge. Premium
  // (dedicated capacity, private endpoints) costs far more and is not needed for this load.
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource groupJobs 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: 'group-jobs'
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    // The session lock; the host renews it up to host.json maxAutoLockRenewalDuration.
    lockDuration: 'PT1M'
    enablePartitioning: false
    enableBatchedOperations: true
  }
}

resource reconcileUnits 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: 'reconcile-units'
  properties: {
    requiresSession: false
    requiresDuplicateDetection: true
    // A re-sent plan comes within seconds; a new run has a new run id.
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    maxDeliveryCount: unitsMaxDeliveryCount
    deadLetteringOnMessageExpiration: true
    // A unit not run within a day is dead-lettered (and recorded failed): its run still finishes.
    defaultMessageTimeToLive: 'P1D'
    // The longest lock. A unit waits for its subscription's ARM read tokens (25 per second shared
    // by up to maxConcurrentCalls units per instance), so one can take minutes; the host renews the
    // lock up to host.json maxAutoLockRenewalDuration.
    lockDuration: 'PT5M'
    enablePartitioning: false
    enableBatchedOperations: true
  }
}

output namespaceName string = namespace.name
output namespaceId string = namespace.id
// Host name only (the form ServiceBusConnection__fullyQualifiedNamespace takes), public cloud.
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output queueName string = groupJobs.name
output queueId string = groupJobs.id
output unitsQueueName string = reconcileUnits.name
output unitsQueueId string = reconcileUnits.id
