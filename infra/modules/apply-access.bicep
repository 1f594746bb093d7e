// What the app identity needs in one resource group the apply deploys into (an organization names
// it in its apply setting, `apply.resourceGroups`), deployed at that resource group's scope
// (main.bicep loops over applyResourceGroupIds and applyNetworkResourceGroupIds):
//   - deploy: Virtual Machine Contributor (create and update Flexible scale sets and VMs, their
//     NICs' attachment, manualupgrade) and Network Contributor (the network interfaces a scale set
//     or VM creates in this resource group);
//   - network only: Network Contributor, where the virtual networks live whose subnets the scale
//     sets join (Microsoft.Network/virtualNetworks/subnets/join/action).
// Nothing wider: no Contributor, no subscription scope. Reading gallery images needs only the Reader
// each source subscription grants (source-subscription.bicep).

targetScope = 'resourceGroup'

@description('Principal (object) id of the app identity.')
param appPrincipalId string

@description('True: the apply deploys scale sets and VMs here; false: only their subnets are here.')
param deploy bool

var roleIds = {
  virtualMachineContributor: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c' // Virtual Machine Contributor
  networkContributor: '4d97b98b-1d4f-4787-a291-c67834d212e7' // Network Contributor
}

resource vmContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deploy) {
  name: guid(resourceGroup().id, appPrincipalId, roleIds.virtualMachineContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.virtualMachineContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'gallery-catalog: apply creates and rolls scale sets and VMs in this resource group'
  }
}

resource networkContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, appPrincipalId, roleIds.networkContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.networkContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: deploy ? 'gallery-catalog: network interfaces of the scale sets and VMs the apply creates' : 'gallery-catalog: applied scale sets and VMs join subnets of this resource group'
  }
}
