/**
 * Valid props of every construct, with the props under test overridden: the rows of the cross-construct tables
 * (regions, missing props) start from these and change one prop. Whatever the props refer to (a source image, a
 * gallery, a build VM) is created in `scope`, in westeurope.
 */
import { Construct } from 'constructs';
import { goldenVmProps } from './constructs';
import {
  GalleryImage, GalleryImageProps, GalleryImageVersionAttributes, GalleryImageVersionProps, GeneralizedImage, GeneralizedImageProps, GoldenVm,
  HyperVGeneration, IImage, ImageCopyProps, ImageFleetProps, ImageGallery, ImageGalleryProps, ImageScaleSetProps, ImageSecurityType,
  ManagedImage, ManagedImageAttributes, SecurityType,
} from '../../lib';

export const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
export const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden`;
export const GALLERY_VERSION_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/gal_golden/images/web-iis/versions/1.0.0`;

export function managedImageAttributes(overrides: Partial<ManagedImageAttributes> = {}): ManagedImageAttributes {
  return { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, ...overrides };
}

/** An existing managed image in westeurope. */
export function managedImage(scope: Construct, overrides: Partial<ManagedImageAttributes> = {}): IImage {
  return ManagedImage.fromImageId(scope, 'Golden', managedImageAttributes(overrides));
}

export function generalizedImageProps(scope: Construct, overrides: Partial<GeneralizedImageProps> = {}): GeneralizedImageProps {
  return { vm: new GoldenVm(scope, 'BuildVm', goldenVmProps()), ...overrides };
}

export function imageCopyProps(scope: Construct, overrides: Partial<ImageCopyProps> = {}): ImageCopyProps {
  return { source: managedImage(scope), resourceGroupName: 'rg-images', ...overrides };
}

export function imageFleetProps(scope: Construct, overrides: Partial<ImageFleetProps> = {},
  image: Partial<ManagedImageAttributes> = {}): ImageFleetProps {
  return { image: managedImage(scope, image), count: 3, namePrefix: 'web', resourceGroupName: 'rg-fleet', ...overrides };
}

export function imageScaleSetProps(scope: Construct, overrides: Partial<ImageScaleSetProps> = {},
  image: Partial<ManagedImageAttributes> = {}): ImageScaleSetProps {
  return { image: managedImage(scope, image), count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides };
}

export function imageGalleryProps(overrides: Partial<ImageGalleryProps> = {}): ImageGalleryProps {
  return { location: 'westeurope', galleryName: 'gal_golden', ...overrides };
}

export function galleryImageProps(scope: Construct, overrides: Partial<GalleryImageProps> = {}): GalleryImageProps {
  return { gallery: new ImageGallery(scope, 'Gallery', imageGalleryProps()), imageName: 'web-iis', ...overrides };
}

/** A Trusted Launch build, published to a TrustedLaunch definition in westeurope. */
export function galleryImageVersionProps(scope: Construct, overrides: Partial<GalleryImageVersionProps> = {}): GalleryImageVersionProps {
  const vm = new GoldenVm(scope, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH }));
  return {
    galleryImage: new GalleryImage(scope, 'Definition', galleryImageProps(scope)),
    source: new GeneralizedImage(scope, 'Image', { vm }),
    ...overrides,
  };
}

export function galleryVersionAttributes(overrides: Partial<GalleryImageVersionAttributes> = {}): GalleryImageVersionAttributes {
  return {
    imageId: GALLERY_VERSION_ID,
    location: 'westeurope',
    hyperVGeneration: HyperVGeneration.V2,
    securityType: ImageSecurityType.TRUSTED_LAUNCH,
    ...overrides,
  };
}
