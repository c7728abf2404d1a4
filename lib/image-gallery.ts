/**
 * `ImageGallery`: an Azure Compute Gallery in a resource group given or created, which holds `GalleryImage`
 * definitions.
 */
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { SharedImageGallery } from '@cdktf/provider-azurerm/lib/shared-image-gallery';
import { Construct } from 'constructs';
import { isGalleryName } from './private/naming/azure-names';
import { AZURE_RESOURCE, claimCreatedResourceGroup, claimNames, GALLERY_NAME_SCOPE, rememberResource, resourceGroupScope } from './private/naming/name-claims';
import { canonicalLocation, checkCommonNames } from './private/naming/regions';
import { checkResourceGroup, placeResourceGroup } from './private/naming/resource-group';
import { galleryBindings } from './private/terraform/bindings';
import { BOOLEAN, markKind, readProps, STRING, STRING_MAP, struct } from './private/validation/prop-types';
import { PropsValidator } from './private/validation/props-validator';
import { checkTags } from './private/validation/tags';

/** Props of `ImageGallery`. */
export interface ImageGalleryProps {
  /**
   * Azure region of the gallery. Versions published from a build VM are made in this region, so it is the build VM's,
   * and their replicas go to the regions each version names.
   */
  readonly location: string;
  /**
   * Name of the gallery (1-80 letters, digits, underscores and periods, starting and ending with a letter or digit; no
   * hyphens).
   *
   * @default - `gal_` and the construct id in lower case, other characters replaced by `_`
   */
  readonly galleryName?: string;
  /**
   * Resource group of the gallery: an existing group, or the name of the group to create with
   * `createResourceGroup: true`. A group of its own is best: images outlive the apps and build VMs that use them.
   *
   * @default - the group ImageGallery creates, `rg-<galleryName>`
   */
  readonly resourceGroupName?: string;
  /**
   * Create the resource group (`resourceGroupName`, or `rg-<galleryName>`) rather than use an existing one. The same
   * rule in every construct of this library.
   *
   * @default - true without `resourceGroupName`, false with it
   */
  readonly createResourceGroup?: boolean;
  /**
   * Description of the gallery.
   *
   * @default 'Golden images (azure-golden-image)'
   */
  readonly description?: string;
  /**
   * Tags of the gallery (and the resource group it creates).
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** `ImageGalleryProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const IMAGE_GALLERY_PROPS = struct<ImageGalleryProps>('ImageGalleryProps', {
  location: STRING,
  galleryName: STRING,
  resourceGroupName: STRING,
  createResourceGroup: BOOLEAN,
  description: STRING,
  tags: STRING_MAP,
}, "{ location: 'westeurope' }");

/**
 * An Azure Compute Gallery: the repository of image definitions (`GalleryImage`) and their versions
 * (`GalleryImageVersion`). Unlike managed images, gallery images replicate to other regions, serve large fleets
 * (replicas) and carry Trusted Launch.
 *
 * @example
 * import { App, TerraformStack } from 'cdktf';
 * import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
 * import { ImageGallery, GalleryImage, ImageSecurityType } from 'azure-golden-image';
 *
 * const app = new App();
 * const stack = new TerraformStack(app, 'images');
 * new AzurermProvider(stack, 'azurerm', { features: [{}] });
 * const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' });
 * new GalleryImage(stack, 'Web', { gallery, imageName: 'web-iis', securityType: ImageSecurityType.TRUSTED_LAUNCH });
 * app.synth();
 */
export class ImageGallery extends Construct {
  /** The gallery resource. */
  public readonly gallery: SharedImageGallery;
  /** The resource group, when ImageGallery creates it. */
  public readonly resourceGroup?: ResourceGroup;
  /** Name of the gallery. */
  public readonly galleryName: string;
  /** Azure resource id of the gallery. */
  public readonly galleryId: string;
  /** Resource group of the gallery. */
  public readonly resourceGroupName: string;
  /** Canonical region of the gallery. */
  public readonly location: string;

  constructor(scope: Construct, id: string, props: ImageGalleryProps) {
    super(scope, id);
    const validator = new PropsValidator(`ImageGallery '${this.node.path}'`);
    props = readProps(validator, props, IMAGE_GALLERY_PROPS, { location: "pass the gallery's region: the build VM's, e.g. 'westeurope'" });
    const { galleryName, resourceGroup } = this.parseProps(validator, props, id);

    this.location = canonicalLocation(props.location);
    const group = placeResourceGroup(this, resourceGroup, this.location, props.tags);
    this.resourceGroup = group.resourceGroup;
    this.resourceGroupName = group.resourceGroupName;
    this.gallery = this.createGallery(props, galleryName);
    this.galleryName = this.gallery.name;
    this.galleryId = this.gallery.id;
  }

  /**
   * Checks the props, and resolves the gallery's name and resource group once; claims the name in the subscription.
   * Throws, listing every problem, unless all are fine.
   */
  private parseProps(validator: PropsValidator, props: ImageGalleryProps, id: string)
    : { galleryName: string; resourceGroup: { create: boolean; name: string } } {
    const galleryName = props.galleryName ?? `gal_${id.toLowerCase().replace(/[^a-z0-9_.]/g, '_')}`.slice(0, 80).replace(/[_.]+$/, '');
    const galleryProp = props.galleryName === undefined ? 'galleryName (from the construct id)' : 'galleryName';
    checkCommonNames(validator, this, props);
    validator.check(galleryProp, galleryName, isGalleryName,
      'is not a valid gallery name (1-80 letters, digits, underscores and periods, starting and ending with a letter or digit; no hyphens)',
      "write it with underscores, e.g. 'gal_golden_images'");
    const resourceGroup = checkResourceGroup(validator, props, { createdName: `rg-${galleryName}` });
    checkTags(validator, 'tags', props.tags);
    const gallery = { kind: AZURE_RESOURCE.GALLERY, scope: resourceGroupScope(resourceGroup.name), name: galleryName };
    claimNames(this, validator, {
      prop: galleryProp,
      value: galleryName,
      names: [{ ...gallery, scope: GALLERY_NAME_SCOPE }],
      fix: 'pass another galleryName to one of them: gallery names are unique within the subscription, whatever their resource groups',
    });
    claimCreatedResourceGroup(this, validator, props.resourceGroupName === undefined ? 'resourceGroupName (from galleryName)' : 'resourceGroupName', resourceGroup);
    // Its definitions' names are unique within it.
    rememberResource(this, gallery);
    validator.throwIfInvalid();
    return { galleryName, resourceGroup };
  }

  /** The gallery, in the resource group placed or created. */
  private createGallery(props: ImageGalleryProps, galleryName: string): SharedImageGallery {
    const { SharedImageGallery } = galleryBindings();
    return new SharedImageGallery(this, 'Gallery', {
      name: galleryName,
      resourceGroupName: this.resourceGroupName,
      location: this.location,
      description: props.description ?? 'Golden images (azure-golden-image)',
      tags: props.tags,
    });
  }
}

markKind(ImageGallery, 'ImageGallery');
