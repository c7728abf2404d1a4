/**
 * The resource group every construct puts its resources in: given, or created under a default name, one rule for all.
 */
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Construct } from 'constructs';
import { isResourceGroupName } from './azure-names';
import { rememberResourceGroup } from './name-claims';
import type { ResourceGroupProps } from '../../common-props';
import { describeValue, PropsValidator } from '../validation/props-validator';

/** What `checkResourceGroup` settled: whether the construct creates the group, and its name. */
export interface SettledResourceGroup {
  readonly create: boolean;
  readonly name: string;
}

/** Where a construct's resources go. */
export interface ResourceGroupPlacement {
  /** The group's name, a reference to the created group when the construct creates it (so its resources wait for it). */
  readonly resourceGroupName: string;
  /** The name as given or defaulted, for comparisons at synth time. */
  readonly literalName: string;
  /** The created group, when the construct creates one. */
  readonly resourceGroup?: ResourceGroup;
}

/** What each construct settles for the group when no name is given. */
export interface ResourceGroupDefaults {
  /** Name of the group the construct creates when neither `resourceGroupName` nor an existing default is given. */
  readonly createdName: string;
  /** A group that exists already and is used when no name is given (GeneralizedImage: the build VM's). */
  readonly existingName?: string;
}

/**
 * One rule for every construct: `resourceGroupName` names an existing group, `createResourceGroup: true` creates it;
 * with neither, the construct creates a group of its own (`defaults.createdName`), or uses `defaults.existingName`.
 * Validates first (`v`); call `create` after `v.throwIfInvalid()`.
 */
export function checkResourceGroup(v: PropsValidator, props: ResourceGroupProps, defaults: ResourceGroupDefaults): SettledResourceGroup {
  v.check('resourceGroupName', props.resourceGroupName, isResourceGroupName,
    'is not a valid resource group name (1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period)',
    "choose a name such as 'rg-golden-image'");
  if (props.createResourceGroup !== undefined && typeof props.createResourceGroup !== 'boolean') {
    v.fail('createResourceGroup', props.createResourceGroup, 'is not a boolean', 'pass true to create the group, false to use an existing one');
  }
  if (props.createResourceGroup === false && props.resourceGroupName === undefined && defaults.existingName === undefined) {
    v.fail('createResourceGroup', false, 'asks for an existing resource group, but resourceGroupName does not name one',
      `give resourceGroupName, or remove createResourceGroup to create ${describeValue(defaults.createdName)}`);
  }
  const create = props.createResourceGroup ?? (props.resourceGroupName === undefined && defaults.existingName === undefined);
  const name = props.resourceGroupName ?? (create ? defaults.createdName : defaults.existingName ?? defaults.createdName);
  return { create, name };
}

/** Creates the group settled by `checkResourceGroup`, or refers to the existing one. */
export function placeResourceGroup(scope: Construct, settled: SettledResourceGroup, location: string,
  tags: { [key: string]: string } | undefined): ResourceGroupPlacement {
  if (!settled.create) {
    return { resourceGroupName: settled.name, literalName: settled.name };
  }
  const resourceGroup = new ResourceGroup(scope, 'ResourceGroup', { name: settled.name, location, tags });
  const resourceGroupName = resourceGroup.name;
  // Constructs given this token compare names in the group it names.
  rememberResourceGroup(resourceGroupName, settled.name);
  return { resourceGroupName, literalName: settled.name, resourceGroup };
}
