// Stage 2 for the example environment of main.bicepparam: hsmName is stage 1's output hsmName.
using 'stage2.bicep'

param hsmName = 'vbiprod-hsm-abcdefghijklm'
