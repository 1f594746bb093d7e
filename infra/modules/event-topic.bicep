// The Event Grid system topic of a source subscription (topic type Microsoft.Resources.Subscriptions:
// ARM resource write/delete/action events of everything in that subscription).
//
// Azure allows ONE system topic per source, so the topic is shared: by default every environment of
// this app that watches the subscription re-declares the same topic (same name, resource group,
// source and identity, so the PUT changes nothing) and adds its own event subscription to it.
// A topic created by someone else can be reused instead (create = false): it is then only read, and
// it must already have a system-assigned identity (used to write dead-lettered events).
// System topics for subscriptions are global: location 'global', in any resource group of the
// source subscription.

@description('Name of the system topic.')
param name string

@description('True: declare (create or keep) the topic. False: reuse an existing topic of this name in this resource group.')
param create bool = true

param tags object = {}

resource created 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (create) {
  name: name
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource reused 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = if (!create) {
  name: name
}

output name string = name
@description('Principal id of the topic\'s system-assigned identity (writes dead-lettered events).')
output principalId string = create ? created.identity.principalId : reused.identity.principalId
