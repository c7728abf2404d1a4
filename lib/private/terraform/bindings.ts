/*
 * Provider bindings loaded on first use instead of imported: each is large, and most apps never use it, but every app
 * imports every construct through the library's index (test/lazy-bindings.test.ts holds them out of a plain synth).
 */

/**
 * The Azure Compute Gallery's provider bindings, loaded on first use: most apps never make a gallery (and most copies
 * stay in their region), and loading them costs every synth about 9 ms (measured with the benchmark's profile).
 */
export function galleryBindings() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    SharedImageGallery: (require('@cdktf/provider-azurerm/lib/shared-image-gallery') as typeof import('@cdktf/provider-azurerm/lib/shared-image-gallery')).SharedImageGallery,
    SharedImage: (require('@cdktf/provider-azurerm/lib/shared-image') as typeof import('@cdktf/provider-azurerm/lib/shared-image')).SharedImage,
    SharedImageVersion: (require('@cdktf/provider-azurerm/lib/shared-image-version') as typeof import('@cdktf/provider-azurerm/lib/shared-image-version')).SharedImageVersion,
    ManagedDisk: (require('@cdktf/provider-azurerm/lib/managed-disk') as typeof import('@cdktf/provider-azurerm/lib/managed-disk')).ManagedDisk,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/**
 * The scale set's provider bindings (the VM scale set and the load balancer's five), loaded on first use: every app
 * imports ImageScaleSet through the library's index, few make one, and loading them (1.3 MB of JavaScript, the scale
 * set's binding alone 0.8 MB) cost every synth about 60-90 ms (the benchmark's row 2 against row 4).
 */
export function scaleSetBindings() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    Lb: (require('@cdktf/provider-azurerm/lib/lb') as typeof import('@cdktf/provider-azurerm/lib/lb')).Lb,
    LbBackendAddressPool: (require('@cdktf/provider-azurerm/lib/lb-backend-address-pool') as typeof import('@cdktf/provider-azurerm/lib/lb-backend-address-pool'))
      .LbBackendAddressPool,
    LbOutboundRule: (require('@cdktf/provider-azurerm/lib/lb-outbound-rule') as typeof import('@cdktf/provider-azurerm/lib/lb-outbound-rule')).LbOutboundRule,
    LbProbe: (require('@cdktf/provider-azurerm/lib/lb-probe') as typeof import('@cdktf/provider-azurerm/lib/lb-probe')).LbProbe,
    LbRule: (require('@cdktf/provider-azurerm/lib/lb-rule') as typeof import('@cdktf/provider-azurerm/lib/lb-rule')).LbRule,
    WindowsVirtualMachineScaleSet: (require('@cdktf/provider-azurerm/lib/windows-virtual-machine-scale-set') as
      typeof import('@cdktf/provider-azurerm/lib/windows-virtual-machine-scale-set')).WindowsVirtualMachineScaleSet,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
