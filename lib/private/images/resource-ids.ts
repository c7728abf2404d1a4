/**
 * The resource ids of images and disks a caller gives (`ManagedImage.fromImageId`, a gallery version's source): parsed
 * as Azure compares them, the fixed segments without regard to case and the names by Azure's naming rules.
 */
import { isImageName, isResourceGroupName } from '../naming/azure-names';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** The parts of a resource id of the form `/subscriptions/<guid>/resourceGroups/<rg>/providers/<provider>/<type>/<name>`. */
export interface ResourceIdParts {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly name: string;
}

/**
 * Parses the id of a resource of `providerAndType` (e.g. `Microsoft.Compute/images`) directly under a resource group.
 * The fixed segments are compared case-insensitively, as Azure does; the names must be valid.
 */
function parseResourceId(id: string, providerAndType: string, isName: (name: string) => boolean): ResourceIdParts | undefined {
  const escaped = providerAndType.replace(/[.]/g, '\\.');
  const match = new RegExp(`^/subscriptions/(${GUID})/resourceGroups/([^/]+)/providers/${escaped}/([^/]+)$`, 'i').exec(id);
  if (!match || !isResourceGroupName(match[2]) || !isName(match[3])) {
    return undefined;
  }
  return { subscriptionId: match[1], resourceGroupName: match[2], name: match[3] };
}

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>`, or undefined. */
export function parseManagedImageId(id: string): ResourceIdParts | undefined {
  return parseResourceId(id, 'Microsoft.Compute/images', isImageName);
}

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Compute/disks/<name>`. */
export function isManagedDiskId(id: string): boolean {
  return parseResourceId(id, 'Microsoft.Compute/disks', isImageName) !== undefined;
}
