/** The Hyper-V generation a marketplace SKU's name tells, where it tells one. */
import { Token } from 'cdktf';
import { HyperVGeneration } from '../../image';

export const WINDOWS_SERVER_PUBLISHER = 'MicrosoftWindowsServer';
const GEN2_SKU_PATTERN = /(-g2$|-g2-|gen2|gensecond|azure-edition)/i;

/** V2 or V1 when a marketplace SKU's name says so; undefined when it cannot be told from the name. */
export function inferGeneration(publisher: string, sku: string): HyperVGeneration | undefined {
  if (Token.isUnresolved(sku)) {
    return undefined;
  }
  if (GEN2_SKU_PATTERN.test(sku)) {
    return HyperVGeneration.V2;
  }
  // Windows Server names its Gen2 SKUs consistently, so any other SKU of that publisher is Gen1.
  if (!Token.isUnresolved(publisher) && publisher.toLowerCase() === WINDOWS_SERVER_PUBLISHER.toLowerCase()) {
    return HyperVGeneration.V1;
  }
  return undefined;
}
