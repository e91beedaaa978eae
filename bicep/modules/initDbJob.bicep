// `VbiOrleans.Host init-db` as a manually started Container Apps job in the same environment, image, identity and
// settings as the silos: it reaches the private PostgreSQL servers and the Managed HSM from inside the VNet, applies
// the schema to every store (idempotent, under an advisory lock) and checks the module keys in the HSM.
//   az containerapp job start -g <rg> -n <prefix>-init-db

@description('Azure region.')
param location string

@description('Name of the job.')
param name string

@description('The Container Apps environment.')
param environmentId string

@description('The host image (infra/Dockerfile).')
param image string

@description('Registry login server; empty for a public image.')
param registryServer string

@description('The silos\' user-assigned identity.')
param identityId string

@description('Environment variables the silos share.')
param sharedEnv array

@description('Key Vault references: name, keyVaultUrl.')
param secretReferences array

resource job 'Microsoft.App/jobs@2026-07-01' = {
  name: name
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 1800
      replicaRetryLimit: 1
      secrets: [for secret in secretReferences: {
        name: secret.name
        keyVaultUrl: secret.keyVaultUrl
        identity: identityId
      }]
      registries: empty(registryServer) ? [] : [{ server: registryServer, identity: identityId }]
    }
    template: {
      containers: [
        {
          name: 'init-db'
          image: image
          args: ['init-db']
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: sharedEnv
        }
      ]
    }
  }
}

output jobName string = job.name
