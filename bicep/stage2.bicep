// Stage 2: once the Managed HSM's security domain is activated (docs/deploy-azure.md), the keys the system uses are
// created in the HSM, non-exportable. Run it through bicep/stage2.sh, which gives the deployer the role to create
// keys first and assigns the apps' data-plane roles after. Their names and kinds are the ones VbiOrleans.Host looks up
// (VbiOrleans.Grains.Modules.ModuleCrypto, VbiOrleans.Hsm.KeyVault.KeyVaultHsm); init-db then finds them instead of
// creating them. The silos still hold Crypto User on all keys (/keys): the host makes the keys it needs on first use,
// so a key a later version adds is made then. Nothing else holds a role on the keys.
//
// The resource provider creates the keys on the deployer's behalf: the deployer needs the Managed HSM Crypto User
// role on /keys (stage2.sh assigns it).

targetScope = 'resourceGroup'

@description('Name of the Managed HSM made by stage 1 (output hsmName).')
param hsmName string

resource hsm 'Microsoft.KeyVault/managedHSMs@2026-05-15' existing = {
  name: hsmName
}

// kind: the HsmKeyKind the host reads back from kty and key_ops.
var keys = [
  // wraps each meter's data key and the log key
  { name: 'vbi-module-master', kind: 'Aes256Wrapping', kty: 'oct-HSM', keySize: 256, curveName: null, keyOps: ['encrypt', 'decrypt'] }
  // derives each meter's checkpoint MAC key
  { name: 'vbi-checkpoint-mac', kind: 'HmacSha256', kty: 'oct-HSM', keySize: 256, curveName: null, keyOps: ['sign', 'verify'] }
  // signs the registration challenge and log checkpoints
  { name: 'vbi-module-identity', kind: 'EcP256Signing', kty: 'EC-HSM', keySize: null, curveName: 'P-256', keyOps: ['sign', 'verify'] }
  // signs meter certificates
  { name: 'vbi-postal-ca', kind: 'EcP256Signing', kty: 'EC-HSM', keySize: null, curveName: 'P-256', keyOps: ['sign', 'verify'] }
  // wraps partners' signing secrets (VbiOrleans.Grains.Partners.PartnerGrain)
  { name: 'vbi-partner-secrets', kind: 'Aes256Wrapping', kty: 'oct-HSM', keySize: 256, curveName: null, keyOps: ['encrypt', 'decrypt'] }
  // the keyed hash of customer identifiers in the nightly export (VbiOrleans.Grains.Log.Export.CustomerPseudonyms)
  { name: 'vbi-dss-pseudonym', kind: 'HmacSha256', kty: 'oct-HSM', keySize: 256, curveName: null, keyOps: ['sign', 'verify'] }
]

resource hsmKeys 'Microsoft.KeyVault/managedHSMs/keys@2026-05-15' = [for key in keys: {
  parent: hsm
  name: key.name
  tags: {
    'vbi-label': key.name
    'vbi-kind': key.kind
  }
  properties: {
    kty: key.kty
    keySize: key.keySize
    curveName: key.curveName
    keyOps: key.keyOps
    attributes: {
      enabled: true
      exportable: false
    }
  }
}]

output keyNames array = [for (key, i) in keys: hsmKeys[i].name]
