/**
 * Name collisions: two constructs that would make two Azure resources of one type under one name in one resource group
 * (Azure compares names case-insensitively) are refused at synth time, in the error of the construct that comes second,
 * naming its prop (or the default it derives the names from), the value, the other construct and its prop, the scope
 * and the fix. Names taken from defaults count too. Different groups, different types, groups given as different tokens
 * and stacks known to deploy to different subscriptions are accepted.
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, TerraformStack, TerraformVariable } from 'cdktf';
import {
  FleetRollout, GalleryImage, GalleryImageProps, GalleryImageVersion, GeneralizedImage, GeneralizedImageProps, GoldenVm, GoldenVmProps,
  HyperVGeneration, IImage, ImageCopy, ImageCopyMethod, ImageCopyProps, ImageFleet, ImageFleetProps, ImageGallery, ImageGalleryProps,
  ImageScaleSet, ImageScaleSetProps, ManagedImage, SecurityType,
} from '../lib';
import { goldenVmProps } from './util/constructs';
import { expectRefused, Refusal, synthesize } from './util/refusal';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const OTHER_SUBSCRIPTION = '99999999-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden`;
const DISK_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/disks/osdisk-golden`;
const SUBNET_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet`;

// --- builders -------------------------------------------------------------------------------------------------------

function vm(scope: TerraformStack, id: string, overrides: Partial<GoldenVmProps> = {}): GoldenVm {
  return new GoldenVm(scope, id, goldenVmProps({ vmName: undefined, computerName: 'golden01', ...overrides }));
}

function managedImage(scope: TerraformStack, id = 'Golden'): IImage {
  return ManagedImage.fromImageId(scope, id, { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osDiskId: DISK_ID });
}

function fleet(scope: TerraformStack, id: string, overrides: Partial<ImageFleetProps> = {}): ImageFleet {
  return new ImageFleet(scope, id, { image: managedImage(scope, `${id}Image`), count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides });
}

function scaleSet(scope: TerraformStack, id: string, overrides: Partial<ImageScaleSetProps> = {}): ImageScaleSet {
  return new ImageScaleSet(scope, id, { image: managedImage(scope, `${id}Image`), count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides });
}

function build(scope: TerraformStack, id: string, vmOverrides: Partial<GoldenVmProps> = {},
  overrides: Partial<GeneralizedImageProps> = {}): GeneralizedImage {
  return new GeneralizedImage(scope, id, { vm: vm(scope, `${id}Vm`, { vmName: `vm-${id.toLowerCase()}`, ...vmOverrides }), ...overrides });
}

function copy(scope: TerraformStack, id: string, source: IImage, overrides: Partial<ImageCopyProps> = {}): ImageCopy {
  return new ImageCopy(scope, id, { source, resourceGroupName: 'rg-images', ...overrides });
}

function gallery(scope: TerraformStack, id: string, overrides: Partial<ImageGalleryProps> = {}): ImageGallery {
  return new ImageGallery(scope, id, { location: 'westeurope', galleryName: 'gal_golden', resourceGroupName: 'rg-gallery', ...overrides });
}

function definition(scope: TerraformStack, id: string, imageGallery: ImageGallery, overrides: Partial<GalleryImageProps> = {}): GalleryImage {
  return new GalleryImage(scope, id, { gallery: imageGallery, imageName: id.toLowerCase(), ...overrides });
}

/** A second stack of the same app, with its own azurerm provider. */
function otherStack(stack: TerraformStack, subscriptionId?: string): TerraformStack {
  const other = new TerraformStack(stack.node.root as App, 'other');
  new AzurermProvider(other, 'azurerm', { features: [{}], subscriptionId });
  return other;
}

/** Sets the subscription of the row's own stack's provider (the refusal harness makes it without one). */
function subscribe(stack: TerraformStack, subscriptionId: string): void {
  (stack.node.findChild('azurerm') as AzurermProvider).subscriptionId = subscriptionId;
}

function variable(stack: TerraformStack, id: string): string {
  return new TerraformVariable(stack, id, { type: 'string' }).stringValue;
}

// --- refused --------------------------------------------------------------------------------------------------------

const REFUSED: Array<[string, Refusal]> = [
  ['two GoldenVms with one vmName in one group', {
    construct: 'GoldenVm',
    prop: 'vmName',
    value: 'vm-golden',
    build: (s) => {
      vm(s, 'First', { vmName: 'vm-golden', resourceGroupName: 'rg-build' });
      vm(s, 'Second', { vmName: 'vm-golden', resourceGroupName: 'rg-build' });
    },
    mentions: [/the VM 'vm-golden', the NIC 'nic-vm-golden', the VNet 'vnet-vm-golden' in resource group 'rg-build' and 2 more/,
      /GoldenVm 'stack\/First' \(vmName\)/, /Fix: pass another vmName to one of them/],
  }],
  ['two GoldenVms whose ids give one vmName: the default group and every name collide', {
    construct: 'GoldenVm',
    prop: 'vmName (from the construct id)',
    value: 'build',
    build: (s) => {
      vm(s, 'Build');
      vm(s, 'BUILD');
    },
    mentions: [/GoldenVm 'stack\/Build' \(vmName \(from the construct id\)\)/, /^ {2}- resourceGroupName \(from vmName\): 'rg-build' makes the resource group 'rg-build' in the subscription/m],
  }],
  ['vmNames that differ only in case', {
    construct: 'GoldenVm',
    prop: 'vmName',
    value: 'Web-Build',
    build: (s) => {
      vm(s, 'First', { vmName: 'web-build', resourceGroupName: 'rg-build' });
      vm(s, 'Second', { vmName: 'Web-Build', resourceGroupName: 'RG-Build' });
    },
    mentions: [/the VM 'Web-Build'/, /resource group 'RG-Build'/],
  }],
  ['two GoldenVms creating one resource group', {
    construct: 'GoldenVm',
    prop: 'resourceGroupName',
    value: 'rg-build',
    build: (s) => {
      vm(s, 'First', { vmName: 'vm-one', resourceGroupName: 'rg-build', createResourceGroup: true });
      vm(s, 'Second', { vmName: 'vm-two', resourceGroupName: 'rg-build', createResourceGroup: true });
    },
    mentions: [/the resource group 'rg-build' in the subscription/, /GoldenVm 'stack\/First' \(resourceGroupName\)/, /createResourceGroup: false/],
  }],
  ['a GoldenVm and an ImageFleet whose defaults make one group and one network', {
    construct: 'ImageFleet',
    prop: 'namePrefix',
    value: 'web',
    build: (s) => {
      vm(s, 'Web');
      fleet(s, 'Fleet', { resourceGroupName: undefined });
    },
    mentions: [/the VNet 'vnet-web', the NSG 'nsg-web' in resource group 'rg-web'; the subnet 'snet-web' in VNet 'vnet-web' of resource group 'rg-web'/,
      /GoldenVm 'stack\/Web' \(vmName \(from the construct id\)\)/, /resourceGroupName \(from namePrefix\): 'rg-web'/],
  }],
  ['a build VM named like an instance of an ALL_AT_ONCE fleet', {
    construct: 'ImageFleet',
    prop: 'namePrefix',
    value: 'web',
    build: (s) => {
      vm(s, 'Build', { vmName: 'web0012', resourceGroupName: 'rg-web', publicIp: true });
      fleet(s, 'Fleet', { count: 12, rollout: FleetRollout.ALL_AT_ONCE, subnetId: SUBNET_ID });
    },
    mentions: [/the VM 'web0012', the NIC 'nic-web0012', the public IP 'pip-web0012' in resource group 'rg-web'/, /GoldenVm 'stack\/Build' \(vmName\)/],
  }],
  ['two ALL_AT_ONCE fleets whose prefixes differ only in case', {
    construct: 'ImageFleet',
    prop: 'namePrefix',
    value: 'WEB',
    build: (s) => {
      fleet(s, 'First', { count: 12, rollout: FleetRollout.ALL_AT_ONCE, subnetId: SUBNET_ID });
      fleet(s, 'Second', { count: 12, rollout: FleetRollout.ALL_AT_ONCE, subnetId: SUBNET_ID, namePrefix: 'WEB' });
    },
    mentions: [/the NSG 'nsg-WEB', the VM 'WEB0001', the NIC 'nic-WEB0001' in resource group 'rg-web' and 34 more/, /ImageFleet 'stack\/First' \(namePrefix\)/],
  }],
  ['two fleets of one prefix in one group: the NSG and network collide, whatever the rollout', {
    construct: 'ImageFleet',
    prop: 'namePrefix',
    value: 'web',
    build: (s) => {
      fleet(s, 'First');
      fleet(s, 'Second', { count: 5 });
    },
    mentions: [/the VNet 'vnet-web', the NSG 'nsg-web'/],
  }],
  ['an ImageFleet and an ImageScaleSet of one prefix', {
    construct: 'ImageScaleSet',
    prop: 'namePrefix',
    value: 'web',
    build: (s) => {
      fleet(s, 'Fleet');
      scaleSet(s, 'Web');
    },
    mentions: [/the VNet 'vnet-web'/, /ImageFleet 'stack\/Fleet' \(namePrefix\)/],
  }],
  ['two scale sets of one prefix', {
    construct: 'ImageScaleSet',
    prop: 'namePrefix',
    value: 'Web',
    build: (s) => {
      scaleSet(s, 'First', { subnetId: SUBNET_ID });
      scaleSet(s, 'Second', { subnetId: SUBNET_ID, namePrefix: 'Web' });
    },
    mentions: [/the scale set 'vmss-Web', the load balancer 'lb-Web', the public IP 'pip-lb-Web' in resource group 'rg-web' and 1 more/],
  }],
  ["a build VM's public IP named like a scale set's", {
    construct: 'ImageScaleSet',
    prop: 'namePrefix',
    value: 'web',
    build: (s) => {
      vm(s, 'Build', { vmName: 'lb-web', resourceGroupName: 'rg-web', publicIp: true });
      scaleSet(s, 'Web', { subnetId: SUBNET_ID });
    },
    mentions: [/makes the public IP 'pip-lb-web' in resource group 'rg-web', which GoldenVm 'stack\/Build' \(vmName\) makes already/],
  }],
  ['two copies of one managed image into one group', {
    construct: 'ImageCopy',
    prop: "imageName (the source's)",
    value: 'img-golden',
    build: (s) => {
      const source = managedImage(s);
      copy(s, 'First', source);
      copy(s, 'Second', source);
    },
    mentions: [/the managed image 'img-golden' in resource group 'rg-images'/, /ImageCopy 'stack\/First' \(imageName \(the source's\)\)/],
  }],
  ['two copies of one build into one group: one image line', {
    construct: 'ImageCopy',
    prop: "imageName (the source's line)",
    value: 'img-vm-golden',
    build: (s) => {
      const image = build(s, 'Golden');
      copy(s, 'First', image);
      copy(s, 'Second', image);
    },
    mentions: [/the image line 'img-vm-golden' in resource group 'rg-images'/],
  }],
  ['two cross-region copies of one build into one group: one gallery', {
    construct: 'ImageCopy',
    prop: "imageName (the source's line)",
    value: 'img-vm-golden',
    build: (s) => {
      const image = build(s, 'Golden');
      copy(s, 'First', image, { location: 'northeurope' });
      copy(s, 'Second', image, { location: 'northeurope' });
    },
    mentions: [/the gallery 'img_vm_golden_copy' in the subscription/],
  }],
  ['two copies of one build into a group given as a token (rg.name read twice: two token strings, one group)', {
    construct: 'ImageCopy',
    prop: "imageName (the source's line)",
    value: 'img-vm-golden',
    build: (s) => {
      const group = new ResourceGroup(s, 'Images', { name: 'rg-images', location: 'westeurope' });
      const image = build(s, 'Golden');
      copy(s, 'First', image, { resourceGroupName: group.name });
      copy(s, 'Second', image, { resourceGroupName: group.name });
    },
    mentions: [/the image line 'img-vm-golden' in the resource group given as the same token/],
  }],
  ["a build's copy within the region and one through the gallery into one group: both name images <line>-<revision>", {
    construct: 'ImageCopy',
    prop: "imageName (the source's line)",
    value: 'img-vm-golden',
    build: (s) => {
      const image = build(s, 'Golden');
      copy(s, 'Disk', image, { method: ImageCopyMethod.OS_DISK });
      copy(s, 'Gallery', image, { method: ImageCopyMethod.COMPUTE_GALLERY });
    },
    mentions: [/the image line 'img-vm-golden' in resource group 'rg-images', which ImageCopy 'stack\/Disk'/],
  }],
  ["a copy's gallery named like an ImageGallery", {
    construct: 'ImageCopy',
    prop: 'galleryName',
    value: 'gal_golden',
    build: (s) => {
      gallery(s, 'Gallery', { resourceGroupName: 'rg-images' });
      copy(s, 'Copy', managedImage(s), { method: ImageCopyMethod.COMPUTE_GALLERY, galleryName: 'gal_golden' });
    },
    mentions: [/the gallery 'gal_golden' in the subscription, which ImageGallery 'stack\/Gallery' \(galleryName\)/],
  }],
  // Gallery names are unique within the subscription ("Gallery names must be unique within your subscription",
  // Microsoft Learn, "Create an Azure Compute Gallery"), not only within a resource group (issue 23 point 1).
  ["a copy's gallery named like an ImageGallery in another group", {
    construct: 'ImageCopy',
    prop: 'galleryName',
    value: 'gal_golden',
    build: (s) => {
      gallery(s, 'Gallery', { resourceGroupName: 'rg-gallery' });
      copy(s, 'Copy', managedImage(s), { method: ImageCopyMethod.COMPUTE_GALLERY, galleryName: 'gal_golden', resourceGroupName: 'rg-images' });
    },
    mentions: [/the gallery 'gal_golden' in the subscription, which ImageGallery 'stack\/Gallery' \(galleryName\)/,
      /gallery names are unique within the subscription, whatever their resource groups/],
  }],
  ['two galleries of one name in two groups', {
    construct: 'ImageGallery',
    prop: 'galleryName',
    value: 'gal_golden',
    build: (s) => {
      gallery(s, 'First', { resourceGroupName: 'rg-gallery' });
      gallery(s, 'Second', { resourceGroupName: 'rg-gallery-dr' });
    },
    mentions: [/the gallery 'gal_golden' in the subscription, which ImageGallery 'stack\/First' \(galleryName\)/],
  }],
  ['two galleries of one name in two stacks of one subscription', {
    construct: 'ImageGallery',
    prop: 'galleryName',
    value: 'gal_golden',
    build: (s) => {
      gallery(otherStack(s), 'First', { resourceGroupName: 'rg-gallery' });
      gallery(s, 'Second', { resourceGroupName: 'rg-gallery-2' });
    },
    mentions: [/the gallery 'gal_golden' in the subscription, which ImageGallery 'other\/First'/, /deploy to the same subscription/],
  }],
  ['two GeneralizedImages of one line name in one group', {
    construct: 'GeneralizedImage',
    prop: 'imageName',
    value: 'Img-Web',
    build: (s) => {
      build(s, 'First', {}, { imageName: 'img-web', resourceGroupName: 'rg-images' });
      build(s, 'Second', {}, { imageName: 'Img-Web', resourceGroupName: 'rg-images' });
    },
    mentions: [/the image line 'Img-Web' in resource group 'rg-images'/, /GeneralizedImage 'stack\/First' \(imageName\)/],
  }],
  ["the VM's group by default, and by its name: one group", {
    construct: 'GeneralizedImage',
    prop: 'imageName',
    value: 'img-web',
    build: (s) => {
      const buildVm = vm(s, 'Build', { vmName: 'vm-build' });
      new GeneralizedImage(s, 'First', { vm: buildVm, imageName: 'img-web' });
      new GeneralizedImage(s, 'Second', { vm: buildVm, imageName: 'img-web', resourceGroupName: 'rg-vm-build' });
    },
    mentions: [/the image line 'img-web' in resource group 'rg-vm-build'/],
  }],
  ['two galleries of one name in one group', {
    construct: 'ImageGallery',
    prop: 'galleryName',
    value: 'GAL_GOLDEN',
    build: (s) => {
      gallery(s, 'First');
      gallery(s, 'Second', { galleryName: 'GAL_GOLDEN' });
    },
    mentions: [/the gallery 'GAL_GOLDEN' in the subscription/],
  }],
  ['two definitions of one name in one gallery', {
    construct: 'GalleryImage',
    prop: 'imageName',
    value: 'Web-IIS',
    build: (s) => {
      const imageGallery = gallery(s, 'Gallery');
      definition(s, 'Web', imageGallery, { imageName: 'web-iis' });
      definition(s, 'Other', imageGallery, { imageName: 'Web-IIS' });
    },
    mentions: [/the image definition 'Web-IIS' in gallery 'gal_golden' of resource group 'rg-gallery'/, /GalleryImage 'stack\/Web' \(imageName\)/,
      /put them in different galleries/],
  }],
  ['two definitions of one identifier in one gallery', {
    construct: 'GalleryImage',
    prop: 'identifier',
    value: 'Contoso/Web/GEN2',
    build: (s) => {
      const imageGallery = gallery(s, 'Gallery');
      definition(s, 'Web', imageGallery, { identifier: { publisher: 'contoso', offer: 'web', sku: 'gen2' } });
      definition(s, 'Api', imageGallery, { identifier: { publisher: 'Contoso', offer: 'Web', sku: 'GEN2' } });
    },
    mentions: [/the image definition identifier 'Contoso\/Web\/GEN2' in gallery 'gal_golden'/, /GalleryImage 'stack\/Web' \(identifier\)/, /another publisher, offer or SKU/],
  }],
  ["a given identifier equal to another definition's default one", {
    construct: 'GalleryImage',
    prop: 'identifier',
    value: 'golden-image/web/gen2-trustedlaunch',
    build: (s) => {
      const imageGallery = gallery(s, 'Gallery');
      definition(s, 'Web', imageGallery, { imageName: 'web' });
      definition(s, 'Api', imageGallery, { imageName: 'api', identifier: { publisher: 'golden-image', offer: 'web', sku: 'gen2-trustedlaunch' } });
    },
    mentions: [/the image definition identifier 'golden-image\/web\/gen2-trustedlaunch' in gallery 'gal_golden'/,
      /GalleryImage 'stack\/Web' \(identifier \(the default, from imageName and the generation and security type\)\)/],
  }],
  ['two GalleryImageVersions publishing to one definition', {
    construct: 'GalleryImageVersion',
    prop: 'galleryImage',
    value: 'web-iis',
    build: (s) => {
      const web = definition(s, 'Web-IIS', gallery(s, 'Gallery'));
      const trusted = { securityType: SecurityType.TRUSTED_LAUNCH };
      new GalleryImageVersion(s, 'First', { galleryImage: web, source: build(s, 'One', trusted) });
      new GalleryImageVersion(s, 'Second', { galleryImage: web, source: build(s, 'Two', trusted) });
    },
    mentions: [/the version line of image definition 'web-iis' in gallery 'gal_golden'/, /GalleryImageVersion 'stack\/First' \(galleryImage\)/],
  }],
  ['one group given as the same token', {
    construct: 'GoldenVm',
    prop: 'vmName',
    value: 'vm-golden',
    build: (s) => {
      const group = variable(s, 'group');
      vm(s, 'First', { vmName: 'vm-golden', resourceGroupName: group });
      vm(s, 'Second', { vmName: 'vm-golden', resourceGroupName: group });
    },
    mentions: [/in the resource group given as the same token/],
  }],
  ['stacks of one app whose providers name no subscription: both deploy to the environment\'s', {
    construct: 'GoldenVm',
    prop: 'vmName',
    value: 'vm-golden',
    build: (s) => {
      vm(s, 'First', { vmName: 'vm-golden', resourceGroupName: 'rg-build' });
      vm(otherStack(s), 'Second', { vmName: 'vm-golden', resourceGroupName: 'rg-build' });
    },
    mentions: [
      /GoldenVm 'stack\/First' \(vmName\) makes already \(stack 'stack' and this stack deploy to the same subscription/,
      /if the stacks deploy to different subscriptions, set subscriptionId on their azurerm providers/,
    ],
  }],
  ['stacks whose providers name one subscription', {
    construct: 'ImageFleet',
    prop: 'namePrefix',
    value: 'web',
    build: (s) => {
      subscribe(s, SUBSCRIPTION);
      fleet(s, 'Fleet');
      fleet(otherStack(s, SUBSCRIPTION.toUpperCase()), 'Fleet');
    },
    mentions: [/ImageFleet 'stack\/Fleet' \(namePrefix\)/],
  }],
];

// --- accepted -------------------------------------------------------------------------------------------------------

const ACCEPTED: Array<[string, (stack: TerraformStack) => void]> = [
  ['one vmName in two groups', (s) => {
    vm(s, 'First', { vmName: 'vm-golden', resourceGroupName: 'rg-one' });
    vm(s, 'Second', { vmName: 'vm-golden', resourceGroupName: 'rg-two' });
  }],
  ['one name for resources of different types', (s) => {
    vm(s, 'Build', { vmName: 'vmss-web', resourceGroupName: 'rg-web' });
    scaleSet(s, 'Web', { subnetId: SUBNET_ID });
    copy(s, 'Copy', managedImage(s), { resourceGroupName: 'rg-web', imageName: 'vmss-web' });
  }],
  ['groups given as two different tokens', (s) => {
    vm(s, 'First', { vmName: 'vm-golden', resourceGroupName: variable(s, 'one') });
    vm(s, 'Second', { vmName: 'vm-golden', resourceGroupName: variable(s, 'two') });
  }],
  ['a NEW_BEFORE_OLD fleet: its instance names carry the image revision', (s) => {
    vm(s, 'Build', { vmName: 'web0001', resourceGroupName: 'rg-web' });
    fleet(s, 'Fleet', { subnetId: SUBNET_ID });
  }],
  ['stacks whose providers name different subscriptions', (s) => {
    subscribe(s, SUBSCRIPTION);
    fleet(s, 'Fleet');
    fleet(otherStack(s, OTHER_SUBSCRIPTION), 'Fleet');
  }],
  ['a stack whose provider names a subscription and one whose provider names none', (s) => {
    subscribe(s, SUBSCRIPTION);
    fleet(s, 'Fleet');
    fleet(otherStack(s), 'Fleet');
  }],
  ['a construct refused for another prop claims no name', (s) => {
    expect(() => vm(s, 'Refused', { vmName: 'vm-golden', resourceGroupName: 'rg-build', vmSize: 'huge' })).toThrow(/vmSize/);
    vm(s, 'Kept', { vmName: 'vm-golden', resourceGroupName: 'rg-build' });
  }],
  ['definitions of one name in two galleries, each with its versions', (s) => {
    const trusted = { securityType: SecurityType.TRUSTED_LAUNCH };
    const one = definition(s, 'Web', gallery(s, 'One'));
    const two = definition(s, 'Web2', gallery(s, 'Two', { galleryName: 'gal_other' }), { imageName: 'web' });
    new GalleryImageVersion(s, 'OneVersion', { galleryImage: one, source: build(s, 'A', trusted) });
    new GalleryImageVersion(s, 'TwoVersion', { galleryImage: two, source: build(s, 'B', trusted) });
  }],
  ['galleries of one name in two subscriptions', (s) => {
    subscribe(s, '00000000-1111-2222-3333-444444444444');
    gallery(otherStack(s, '55555555-6666-7777-8888-999999999999'), 'First');
    gallery(s, 'Second');
  }],
  ['one build copied into two groups', (s) => {
    const image = build(s, 'Golden');
    copy(s, 'First', image);
    copy(s, 'Second', image, { resourceGroupName: 'rg-images-dr' });
  }],
];

describe('name collisions', () => {
  test.each(REFUSED)('refused: %s', (_, row) => {
    // GIVEN two constructs that make one Azure name, WHEN the app is synthesized, THEN the second is refused
    const message = expectRefused(row);
    expect(message).toMatch(/Azure names are unique per resource type and scope, compared without regard to case/);
  });

  test.each(ACCEPTED)('accepted: %s', (_, buildRow) => {
    // GIVEN constructs whose names do not collide, WHEN the app is synthesized, THEN it synthesizes
    const result = synthesize(buildRow);
    expect(result.error).toBeUndefined();
  });
});
