/**
 * Request bodies for the local Azure's unit tests, shaped like the ones azurerm 4.55 sends for the library's fleets
 * and scale sets (trimmed to what the local Azure reads), and the paths they go to.
 */
import { Json } from './http';
import { InProcessAzure } from './in-process';

export const LOCATION = 'westeurope';

/** The paths of one group's network and compute resources. */
export function pathsIn(client: InProcessAzure, group: string) {
  const base = client.group(group);
  const network = `${base}/providers/Microsoft.Network`;
  const compute = `${base}/providers/Microsoft.Compute`;
  return {
    group: base,
    vnet: (name: string) => `${network}/virtualNetworks/${name}`,
    subnet: (vnet: string, name: string) => `${network}/virtualNetworks/${vnet}/subnets/${name}`,
    nsg: (name: string) => `${network}/networkSecurityGroups/${name}`,
    publicIp: (name: string) => `${network}/publicIPAddresses/${name}`,
    nic: (name: string) => `${network}/networkInterfaces/${name}`,
    loadBalancer: (name: string) => `${network}/loadBalancers/${name}`,
    vm: (name: string) => `${compute}/virtualMachines/${name}`,
    disk: (name: string) => `${compute}/disks/${name}`,
    scaleSet: (name: string) => `${compute}/virtualMachineScaleSets/${name}`,
    image: (name: string) => `${compute}/images/${name}`,
    images: `${compute}/images`,
    gallery: (name: string) => `${compute}/galleries/${name}`,
    definition: (gallery: string, name: string) => `${compute}/galleries/${gallery}/images/${name}`,
    version: (gallery: string, definition: string, name: string) => `${compute}/galleries/${gallery}/images/${definition}/versions/${name}`,
  };
}

/** A gallery image definition as azurerm's `azurerm_shared_image` sends it: Windows, generalized, `securityType` as its feature. */
export function definitionBody(options: { securityType?: string; hyperVGeneration?: string; sku?: string; diskControllerTypes?: string } = {}): Json {
  const features = [
    ...(options.securityType !== undefined ? [{ name: 'SecurityType', value: options.securityType }] : []),
    ...(options.diskControllerTypes !== undefined ? [{ name: 'DiskControllerTypes', value: options.diskControllerTypes }] : []),
  ];
  return {
    location: LOCATION,
    properties: {
      osType: 'Windows',
      osState: 'Generalized',
      hyperVGeneration: options.hyperVGeneration ?? 'V2',
      identifier: { publisher: 'golden', offer: 'web', sku: options.sku ?? 'iis' },
      ...(features.length > 0 ? { features } : {}),
    },
  };
}

/** A gallery image version from a VM as `az sig image-version create --virtual-machine` sends it. */
export function versionBody(sourceId: string, targetRegions: Json[] = [{ name: LOCATION, regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
  excludeFromLatest = true): Json {
  return {
    location: LOCATION,
    properties: {
      publishingProfile: { targetRegions, excludeFromLatest, replicationMode: 'Full' },
      storageProfile: { source: { virtualMachineId: sourceId } },
    },
  };
}

export function groupBody(location = LOCATION): Json {
  return { location };
}

export function vnetBody(addressPrefix = '10.0.0.0/16', location = LOCATION): Json {
  return { location, properties: { addressSpace: { addressPrefixes: [addressPrefix] }, privateEndpointVNetPolicies: 'Disabled' } };
}

export function subnetBody(addressPrefix = '10.0.0.0/24', nsgId?: string): Json {
  return {
    properties: {
      addressPrefixes: [addressPrefix],
      defaultOutboundAccess: true,
      privateEndpointNetworkPolicies: 'Disabled',
      privateLinkServiceNetworkPolicies: 'Enabled',
      ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
    },
  };
}

export function nsgBody(location = LOCATION): Json {
  return {
    location,
    properties: {
      securityRules: [{
        name: 'allow-app',
        properties: {
          protocol: 'Tcp',
          sourcePortRange: '*',
          destinationPortRange: '80',
          sourceAddressPrefix: 'Internet',
          destinationAddressPrefix: '*',
          access: 'Allow',
          priority: 100,
          direction: 'Inbound',
        },
      }],
    },
  };
}

export function publicIpBody(location = LOCATION): Json {
  return { location, sku: { name: 'Standard', tier: 'Regional' }, properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4', idleTimeoutInMinutes: 4 } };
}

export function nicBody(subnetId: string, publicIpId?: string, location = LOCATION): Json {
  return {
    location,
    properties: {
      ipConfigurations: [{
        name: 'primary',
        properties: {
          subnet: { id: subnetId },
          privateIPAllocationMethod: 'Dynamic',
          privateIPAddressVersion: 'IPv4',
          ...(publicIpId ? { publicIPAddress: { id: publicIpId } } : {}),
        },
      }],
    },
  };
}

export const IMAGE_ID = '/subscriptions/5e1f0c2a-0000-4000-8000-00000000bb01/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden';

/** The marketplace image of a Gen2 build VM (DEFAULT_PLATFORM_IMAGES offers it). */
export const PLATFORM_IMAGE = { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-g2', version: 'latest' };

export interface VmOptions {
  readonly osDiskName?: string;
  readonly deleteOption?: string;
  readonly userData?: string;
  /** The image: a managed image's id (`IMAGE_ID`, the default), or a marketplace reference (`PLATFORM_IMAGE`). */
  readonly imageReference?: Json;
  /** `TrustedLaunch`: the security profile the CLI and portal give Gen2 VMs by default. @default none (Standard) */
  readonly securityType?: string;
  /** Custom data (base64). @default a short script */
  readonly customData?: string;
  /** @default 'Standard_D2s_v5' */
  readonly vmSize?: string;
}

export function vmBody(nicId: string, options: VmOptions = {}): Json {
  return {
    location: LOCATION,
    properties: {
      hardwareProfile: { vmSize: options.vmSize ?? 'Standard_D2s_v5' },
      networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      osProfile: {
        computerName: 'web0001',
        adminUsername: 'fleetadmin',
        adminPassword: 'Sup3r-Secret!pass',
        customData: options.customData ?? 'V3JpdGUtSG9zdA==',
        allowExtensionOperations: true,
        windowsConfiguration: { enableAutomaticUpdates: false, provisionVMAgent: true, patchSettings: { patchMode: 'Manual', assessmentMode: 'ImageDefault' } },
      },
      storageProfile: {
        imageReference: options.imageReference ?? { id: IMAGE_ID },
        osDisk: {
          caching: 'ReadWrite',
          createOption: 'FromImage',
          managedDisk: { storageAccountType: 'StandardSSD_LRS' },
          writeAcceleratorEnabled: false,
          ...(options.osDiskName ? { name: options.osDiskName } : {}),
          ...(options.deleteOption ? { deleteOption: options.deleteOption } : {}),
        },
        dataDisks: [],
      },
      additionalCapabilities: {},
      ...(options.userData ? { userData: options.userData } : {}),
      ...(options.securityType
        ? { securityProfile: { securityType: options.securityType, uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } } : {}),
    },
  };
}

/** A Standard load balancer with one public frontend, as azurerm_lb creates it (no pools, probes or rules yet). */
export function loadBalancerBody(publicIpId: string): Json {
  return {
    location: LOCATION,
    sku: { name: 'Standard', tier: 'Regional' },
    properties: { frontendIPConfigurations: [{ name: 'public', properties: { publicIPAddress: { id: publicIpId } } }] },
  };
}

/**
 * A Standard load balancer as ImageScaleSet leaves it: frontend `public`, pool `instances`, HTTP probe `app-page` on the
 * app page, rule `app` for port 80 through the probe. `lbId` is its own id (its entries refer to each other by id).
 */
export function webLoadBalancerBody(publicIpId: string, lbId: string): Json {
  return {
    location: LOCATION,
    sku: { name: 'Standard', tier: 'Regional' },
    properties: {
      frontendIPConfigurations: [{ name: 'public', properties: { publicIPAddress: { id: publicIpId } } }],
      backendAddressPools: [{ name: 'instances', properties: {} }],
      probes: [{ name: 'app-page', properties: { protocol: 'Http', port: 80, requestPath: '/', intervalInSeconds: 5, numberOfProbes: 2 } }],
      loadBalancingRules: [{
        name: 'app',
        properties: {
          protocol: 'Tcp',
          frontendPort: 80,
          backendPort: 80,
          frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/public` },
          backendAddressPools: [{ id: `${lbId}/backendAddressPools/instances` }],
          probe: { id: `${lbId}/probes/app-page` },
          disableOutboundSnat: true,
        },
      }],
    },
  };
}

export function scaleSetBody(subnetId: string, poolId: string, probeId: string, imageId = IMAGE_ID): Json {
  return {
    location: LOCATION,
    sku: { name: 'Standard_D2s_v5', tier: 'Standard', capacity: 2 },
    properties: {
      upgradePolicy: { mode: 'Rolling', rollingUpgradePolicy: { maxBatchInstancePercent: 20, maxUnhealthyInstancePercent: 20 } },
      overprovision: false,
      singlePlacementGroup: false,
      additionalCapabilities: {},
      virtualMachineProfile: {
        osProfile: { computerNamePrefix: 'web', adminUsername: 'fleetadmin', adminPassword: 'Sup3r-Secret!pass', windowsConfiguration: { provisionVMAgent: true } },
        storageProfile: { imageReference: { id: imageId }, osDisk: { caching: 'ReadWrite', createOption: 'FromImage', managedDisk: { storageAccountType: 'StandardSSD_LRS' } } },
        networkProfile: {
          healthProbe: { id: probeId },
          networkInterfaceConfigurations: [{
            name: 'nic',
            properties: {
              primary: true,
              ipConfigurations: [{ name: 'primary', properties: { primary: true, subnet: { id: subnetId }, loadBalancerBackendAddressPools: [{ id: poolId }] } }],
            },
          }],
        },
      },
    },
  };
}

/** A VM extension as azurerm_virtual_machine_extension sends it (the Custom Script Extension). */
export function extensionBody(): Json {
  return {
    location: LOCATION,
    properties: { publisher: 'Microsoft.Compute', type: 'CustomScriptExtension', typeHandlerVersion: '1.10', settings: { commandToExecute: 'hostname' } },
  };
}

/** A managed image captured from a VM, as `az image create --source <vm>` sends it. */
export function imageFromVmBody(vmId: string, hyperVGeneration?: string): Json {
  return { location: LOCATION, tags: {}, properties: { sourceVirtualMachine: { id: vmId }, ...(hyperVGeneration ? { hyperVGeneration } : {}) } };
}
