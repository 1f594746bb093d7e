// Everything one source subscription needs, deployed at that subscription's scope (main.bicep loops
// over the source subscriptions with scope: subscription(id)):
//   1. Reader for the app identity on the subscription (the catalog lists and reads galleries,
//      image definitions, versions and resource SKUs through ARM);
//   2. the subscription's Event Grid system topic (event-topic.bicep), in its own resource group;
//   3. Storage Blob Data Contributor for the topic's identity on the app's dead-letter container
//      (dead-letter-access.bicep, deployed back into the app's resource group);
//   4. when wireGalleryEvents is true, the event subscription to the galleryEvents function
//      (gallery-events.bicep).
// The principal running the deployment needs Owner (or Contributor plus User Access Administrator)
// on this subscription: it creates a role assignment, a resource group and the topic.

targetScope = 'subscription'

@description('Principal (object) id of the app identity.')
param appPrincipalId string

@description('Short token that keeps this environment\'s deployment and subscription names unique.')
param environmentToken string

@description('Resource group that holds (or will hold) the system topic.')
param topicResourceGroupName string

@description('Name of the system topic.')
param topicName string

@description('False when the topic already exists (created by someone else) and is only reused.')
param createTopic bool = true

@description('Location of the topic\'s resource group when it is created.')
param topicResourceGroupLocation string

param tags object = {}

@description('Subscription and resource group of the app (where the dead-letter container is).')
param appSubscriptionId string
param appResourceGroupName string
param storageAccountName string
param storageAccountId string
param deadLetterContainerName string

@description('Create the event subscription (the function must already be deployed).')
param wireGalleryEvents bool

param functionAppId string
param eventSubscriptionName string

var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader

resource armReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, appPrincipalId, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'gallery-catalog: ARM reads of Compute Gallery resources'
  }
}

// Shared by every environment watching this subscription: no azd-env-name tag, so that removing one
// environment does not take the other environments' topic with it.
resource topicGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createTopic) {
  name: topicResourceGroupName
  location: topicResourceGroupLocation
  tags: tags
}

module topic 'event-topic.bicep' = {
  name: 'gc-topic-${environmentToken}'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    name: topicName
    create: createTopic
    tags: tags
  }
  dependsOn: [
    topicGroup
  ]
}

module deadLetterAccess 'dead-letter-access.bicep' = {
  name: 'gc-dlq-${environmentToken}-${subscription().subscriptionId}'
  scope: resourceGroup(appSubscriptionId, appResourceGroupName)
  params: {
    storageAccountName: storageAccountName
    containerName: deadLetterContainerName
    principalId: topic.outputs.principalId
  }
}

module events 'gallery-events.bicep' = if (wireGalleryEvents) {
  name: 'gc-events-${environmentToken}'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    topicName: topic.outputs.name
    eventSubscriptionName: eventSubscriptionName
    functionAppId: functionAppId
    deadLetterStorageAccountId: storageAccountId
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    deadLetterAccess
  ]
}

output topicName string = topic.outputs.name
output topicPrincipalId string = topic.outputs.principalId
