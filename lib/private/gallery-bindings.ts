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
