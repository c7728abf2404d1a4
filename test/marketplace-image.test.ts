import { Fn, Token } from 'cdktf';
import { HyperVGeneration, MarketplaceImage } from '../lib';
import { BASE_IMAGE_PUBLISHER, BASE_IMAGE_VERSION } from '../lib/operator/steps/base-image';

describe('MarketplaceImage.fromUrn', () => {
  test('parses the seed URN and infers Gen2 from the -g2 SKU', () => {
    // WHEN
    const image = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest');
    // THEN
    expect(image.publisher).toBe('MicrosoftWindowsServer');
    expect(image.offer).toBe('WindowsServer');
    expect(image.sku).toBe('2022-datacenter-core-g2');
    expect(image.version).toBe('latest');
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V2);
    expect(image.urn).toBe('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest');
  });

  test.each([
    ['MicrosoftWindowsServer:WindowsServer:2019-datacenter-gensecond:latest', HyperVGeneration.V2],
    ['MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest', HyperVGeneration.V2],
    ['MicrosoftWindowsServer:WindowsServer:2022-datacenter:20348.2113.231109', HyperVGeneration.V1],
    ['MicrosoftWindowsServer:WindowsServer:2019-Datacenter-Core:latest', HyperVGeneration.V1],
    ['Canonical:ubuntu-24_04-lts:server-gen2:latest', HyperVGeneration.V2],
  ])('infers the generation of %s', (urn, generation) => {
    expect(MarketplaceImage.fromUrn(urn).hyperVGeneration).toBe(generation);
  });

  test('accepts an explicit generation for a SKU whose name carries none', () => {
    const image = MarketplaceImage.fromUrn('Canonical:ubuntu-24_04-lts:server:latest', { hyperVGeneration: HyperVGeneration.V1 });
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V1);
  });

  test.each([
    ['', /urn: '' is not a marketplace image URN/],
    ['MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2', /four non-empty parts/],
    ['MicrosoftWindowsServer::2022-datacenter-core-g2:latest', /four non-empty parts/],
    ['a:b:c:d:e', /four non-empty parts/],
    ['Microsoft Windows:WindowsServer:2022-datacenter-core-g2:latest', /publisher: 'Microsoft Windows' is not a marketplace image part/],
    ['MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:newest', /version: 'newest' is neither 'latest'/],
    ['Canonical:ubuntu-24_04-lts:server:latest', /hyperVGeneration: undefined cannot be inferred from SKU 'server'.*Fix: pass hyperVGeneration/],
  ])('rejects %j', (urn, message) => {
    expect(() => MarketplaceImage.fromUrn(urn)).toThrow(message);
  });

  test('its parts follow the rules of GoldenVm\'s base-image step, which gets them for a `latest` image (one definition for both)', () => {
    const accepted = (input: { pattern: RegExp }, value: string) => input.pattern.test(value);
    for (const version of ['20348.2849.241109', '26100.32230.260111', '1.0.0', '20348.2849', '1.2.3.4', '2.44.0b1', 'v1']) {
      const construct = (() => {
        try {
          MarketplaceImage.windowsServer2025DatacenterGen2(version);
          return true;
        } catch {
          return false;
        }
      })();
      expect([version, construct]).toEqual([version, accepted(BASE_IMAGE_VERSION, version)]);
    }
    expect(() => MarketplaceImage.fromParts({ publisher: 'Microsoft_Windows.Server-1', offer: 'x', sku: 'y-g2' })).not.toThrow();
    expect(accepted(BASE_IMAGE_PUBLISHER, 'Microsoft_Windows.Server-1')).toBe(true);
    expect(() => MarketplaceImage.fromParts({ publisher: '-p', offer: 'x', sku: 'y-g2' })).toThrow(/publisher: '-p' is not a marketplace image part/);
    expect(accepted(BASE_IMAGE_PUBLISHER, '-p')).toBe(false);
  });

  test('rejects a Gen2 SKU forced to V1, naming the inferred generation', () => {
    expect(() => MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest', { hyperVGeneration: HyperVGeneration.V1 }))
      .toThrow(/hyperVGeneration: 'V1' contradicts SKU '2022-datacenter-core-g2', which is a Gen2 image. Fix: omit hyperVGeneration \(it is inferred as V2\)/);
  });

  test('rejects a Gen1 SKU forced to V2', () => {
    expect(() => MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core:latest', { hyperVGeneration: HyperVGeneration.V2 }))
      .toThrow(/hyperVGeneration: 'V2' contradicts SKU '2022-datacenter-core', which is a Gen1 image.*Gen2 SKU/);
  });

  test('reports every problem at once', () => {
    expect(() => MarketplaceImage.fromParts({ publisher: 'bad publisher', offer: 'bad offer', sku: 'x-g2', version: 'v1' }))
      .toThrow(/3 invalid props:\n  - publisher: .*\n  - offer: .*\n  - version: /);
  });

  test('accepts an unresolved URN when the generation is given', () => {
    const urn = Token.asString(Fn.lower('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'));
    const image = MarketplaceImage.fromUrn(urn, { hyperVGeneration: HyperVGeneration.V2 });
    expect(Token.isUnresolved(image.sku)).toBe(true);
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V2);
  });

  test('asks for the generation of an unresolved URN', () => {
    const urn = Token.asString(Fn.lower('x:y:z:latest'));
    expect(() => MarketplaceImage.fromUrn(urn)).toThrow(/hyperVGeneration: undefined cannot be inferred/);
  });
});

describe('MarketplaceImage helpers', () => {
  test.each([
    [MarketplaceImage.windowsServer2022DatacenterCoreGen2(), '2022-datacenter-core-g2'],
    [MarketplaceImage.windowsServer2022DatacenterGen2(), '2022-datacenter-g2'],
    [MarketplaceImage.windowsServer2022DatacenterAzureEdition(), '2022-datacenter-azure-edition'],
    [MarketplaceImage.windowsServer2019DatacenterCoreGen2(), '2019-datacenter-core-g2'],
    [MarketplaceImage.windowsServer2019DatacenterGen2(), '2019-datacenter-gensecond'],
    [MarketplaceImage.windowsServer2025DatacenterCoreGen2(), '2025-datacenter-core-g2'],
    [MarketplaceImage.windowsServer2025DatacenterGen2(), '2025-datacenter-g2'],
  ])('%#: names SKU %s, a Gen2 Windows Server image', (image, sku) => {
    expect(image.publisher).toBe('MicrosoftWindowsServer');
    expect(image.offer).toBe('WindowsServer');
    expect(image.sku).toBe(sku);
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V2);
  });

  test('pins a version', () => {
    expect(MarketplaceImage.windowsServer2022DatacenterCoreGen2('20348.2113.231109').urn)
      .toBe('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:20348.2113.231109');
  });
});
