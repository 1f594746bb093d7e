// The one user-assigned managed identity of the Function App. Every data-plane call the app makes
// (host storage, catalog tables, Service Bus, ARM reads, Application Insights) authenticates as this
// identity; the role assignments that grant it access live in app-roles.bicep and
// source-subscription.bicep.

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
