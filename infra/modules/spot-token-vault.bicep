// The Key Vault of the Spot API token: the app reads the secret `spot-api-token` through a Key
// Vault reference in its SPOT_API_TOKEN app setting, resolved by App Service with the app's
// user-assigned identity (function-app.bicep, keyVaultReferenceIdentity).
//
// The secret itself is NOT declared here: an operator sets it once, after the first provision,
// with `az keyvault secret set --vault-name <vault> --name spot-api-token --value <token>`
// (docs/apply-spot.md). A Microsoft.KeyVault/vaults/secrets resource needs a value (ARM answers
// "An invalid value was provided for 'value'" without one: Azure/azure-quickstart-templates#6235),
// and a value here would be written again by every `azd provision`, replacing the operator's
// token. Until the secret exists App Service leaves the reference unresolved and the app reports
// the Spot target as not configured.
//
// Access is by Azure RBAC only (enableRbacAuthorization): the app identity gets Key Vault Secrets
// User ("Read secret contents", getSecret and readMetadata) on this vault and nothing else.

@description('Name of the vault (3-24 letters, digits and hyphens; globally unique).')
param name string

param location string
param tags object = {}

@description('Principal id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Name of the secret that holds the Spot API token.')
param secretName string = 'spot-api-token'

// MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/security.md
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // Soft delete is always on for a new vault; 7 days (the minimum) so that `azd down --purge`
    // and a new environment of the same name are not held up for 90 days.
    softDeleteRetentionInDays: 7
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output secretName string = secretName
// Versionless (`https://<vault>.vault.azure.net/secrets/<name>`, the documented form): the app takes
// the secret's latest version, fetched again every 24 hours and on every restart
// (MicrosoftDocs/azure-docs articles/app-service/app-service-key-vault-references.md, "Understand rotation").
output secretUri string = '${vault.properties.vaultUri}secrets/${secretName}'
