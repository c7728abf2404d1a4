import { IConstruct } from 'constructs';
import { GoldenVmProps, MarketplaceImage, WindowsSetup } from '../../lib';

/** The seed's base image: Windows Server 2022 Datacenter Core, Gen2, the newest version. */
export const SEED_IMAGE = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest');

/** The build VM the tests use unless they say otherwise: the seed's image and IIS setup, `vm-golden` in westeurope. */
export function goldenVmProps(overrides: Partial<GoldenVmProps> = {}): GoldenVmProps {
  return { location: 'westeurope', image: SEED_IMAGE, setup: WindowsSetup.iisAspNet(), vmName: 'vm-golden', computerName: 'golden01', ...overrides };
}

/** The warnings added to `construct` itself (not to its children). */
export function warningsOf(construct: IConstruct): string[] {
  return construct.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
}
