/**
 * vCPUs of a VM size, read from its name by Azure's naming convention ("Azure virtual machine sizes naming
 * conventions", learn.microsoft.com/azure/virtual-machines/vm-naming-conventions):
 * `Standard_<family><subfamily>*<vCPUs>[-<constrained vCPUs>]<additive features>*[_<accelerator>][_v<version>]`,
 * e.g. `Standard_D2s_v5` (2), `Standard_E16as_v5` (16), `Standard_NC24ads_A100_v4` (24).
 *
 * Quota counts the vCPUs of the size: for a constrained size (`Standard_E16-4s_v5`, 4 active of 16) the 16, the number
 * before the hyphen. The older sizes whose number is not the vCPU count (the memory-optimized D11-D15 and DS11-DS15,
 * v1 and v2, and the G and GS series) come from their size tables. Anything else that does not follow the convention
 * is unknown: undefined.
 */
const NAMED_EXCEPTIONS: Readonly<Record<string, number>> = {
  // Dv2/DSv2 memory-optimized and Dv1/DSv1 ("Previous generations"), and the G and GS series.
  D11: 2, D12: 4, D13: 8, D14: 16, D15: 20, G1: 2, G2: 4, G3: 8, G4: 16, G5: 32,
};

/** Families (and sub-families) this convention covers. */
const CONVENTION = /^Standard_(?:A|B|D|DC|DS|E|EC|F|FS|FX|H|HB|HC|HX|L|M|NC|ND|NG|NV)[a-z]*?(\d+)(?:-\d+)?[a-z]*(?:_[A-Za-z0-9]+)*$/;

export function vcpusOf(size: string): number | undefined {
  const older = /^Standard_(D|DS|G|GS)(\d+)(?:_v2)?(?:_Promo)?$/.exec(size);
  if (older) {
    const exception = NAMED_EXCEPTIONS[`${older[1].replace(/S$/, '')}${older[2]}`];
    if (exception !== undefined) {
      return exception;
    }
  }
  const match = CONVENTION.exec(size);
  if (!match) {
    return undefined;
  }
  const vcpus = Number(match[1]);
  return vcpus >= 1 ? vcpus : undefined;
}
