/**
 * The shared props of lib/common-props.ts at runtime (their shapes, see lib/private/validation/prop-types.ts), and the
 * checks that GoldenVm, ImageFleet and ImageScaleSet make of them in the same words: one implementation for the three.
 */
import { Construct } from 'constructs';
import { AdminPassword, adminPassword } from './credentials';
import type { AdminCredentialsProps, CommonFleetProps, CommonVmProps, ManagementAccessProps, ResourceGroupProps, ResourceTagsProps, VmNetworkProps } from '../../common-props';
import { SecurityType } from '../../image';
import { ManagementPort } from '../../management-port';
import { IMAGE } from '../images/image-kinds';
import { claimCreatedResourceGroup, claimNames, NameClaim } from '../naming/name-claims';
import { SettledResourceGroup } from '../naming/resource-group';
import { BOOLEAN, enumOf, listOf, SECRET_STRING, Shape, STRING, STRING_MAP, struct } from '../validation/prop-types';
import { PropsValidator } from '../validation/props-validator';
import { checkTags } from '../validation/tags';

/** VM size of every construct that makes VMs, unless given. */
export const DEFAULT_VM_SIZE = 'Standard_D2s_v5';

const RESOURCE_GROUP_SHAPE: Shape<ResourceGroupProps> = { resourceGroupName: STRING, createResourceGroup: BOOLEAN };
const VM_NETWORK_SHAPE: Shape<VmNetworkProps> = { subnetId: STRING, addressSpace: STRING, subnetPrefix: STRING };
const MANAGEMENT_ACCESS_SHAPE: Shape<ManagementAccessProps> = {
  managementSourceRange: STRING,
  managementPorts: listOf(enumOf('ManagementPort', ManagementPort)),
};
const ADMIN_CREDENTIALS_SHAPE: Shape<AdminCredentialsProps> = { adminUsername: STRING, adminPassword: SECRET_STRING };
const RESOURCE_TAGS_SHAPE: Shape<ResourceTagsProps> = { tags: STRING_MAP };

/** `CommonVmProps` at runtime: the members `GoldenVmProps` inherits. */
export const COMMON_VM_SHAPE: Shape<CommonVmProps> = {
  ...RESOURCE_GROUP_SHAPE,
  ...VM_NETWORK_SHAPE,
  ...MANAGEMENT_ACCESS_SHAPE,
  ...ADMIN_CREDENTIALS_SHAPE,
  ...RESOURCE_TAGS_SHAPE,
  vmSize: STRING,
};

/** `CommonFleetProps` at runtime: the members `ImageFleetProps` and `ImageScaleSetProps` inherit. */
export const COMMON_FLEET_SHAPE: Shape<CommonFleetProps> = {
  ...COMMON_VM_SHAPE,
  image: IMAGE,
  securityType: enumOf('SecurityType', SecurityType),
  location: STRING,
};

// Registered for test/prop-types.test.ts, which holds every exported interface to a shape; the constructs check them
// as members of their own props.
struct<ResourceGroupProps>('ResourceGroupProps', RESOURCE_GROUP_SHAPE, "{ resourceGroupName: 'rg-golden' }");
struct<VmNetworkProps>('VmNetworkProps', VM_NETWORK_SHAPE, "{ subnetId: '<subnet id>' }");
struct<ManagementAccessProps>('ManagementAccessProps', MANAGEMENT_ACCESS_SHAPE, "{ managementSourceRange: '203.0.113.7/32' }");
struct<AdminCredentialsProps>('AdminCredentialsProps', ADMIN_CREDENTIALS_SHAPE, "{ adminUsername: 'fleetadmin' }");
struct<ResourceTagsProps>('ResourceTagsProps', RESOURCE_TAGS_SHAPE, "{ tags: { owner: 'platform-team' } }");
struct<CommonVmProps>('CommonVmProps', COMMON_VM_SHAPE, "{ vmSize: 'Standard_D2s_v5' }");
struct<CommonFleetProps>('CommonFleetProps', COMMON_FLEET_SHAPE, '{ image }');

/** What a construct makes in Azure, for `finishVmChecks`. */
export interface VmClaims {
  /** The Azure names the construct makes in its resource group. */
  readonly names: NameClaim;
  /** The group `checkResourceGroup` settled. */
  readonly resourceGroup: SettledResourceGroup;
  /** The prop the default group's name is made from (`vmName`, `namePrefix`), for messages. */
  readonly groupNamedAfter: string;
}

/**
 * The last checks of every construct that makes VMs, in one order: the tags, the Azure names it makes and the group it
 * creates (none may be another construct's), the administrator password; then every problem recorded so far is
 * thrown at once. Returns the password (the given token, or one Terraform generates).
 */
export function finishVmChecks(scope: Construct, validator: PropsValidator, props: CommonVmProps, claims: VmClaims): AdminPassword {
  checkTags(validator, 'tags', props.tags);
  claimNames(scope, validator, claims.names);
  claimCreatedResourceGroup(scope, validator,
    props.resourceGroupName === undefined ? `resourceGroupName (from ${claims.groupNamedAfter})` : 'resourceGroupName', claims.resourceGroup);
  const password = adminPassword(scope, 'AdminPassword', validator, props.adminPassword);
  validator.throwIfInvalid();
  return password;
}
