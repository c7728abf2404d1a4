/**
 * Ports, probes and URLs against the page the setup serves (issue 23, point 5; lib/private/network/served-page.ts). Everything
 * that fetches the image's page must reach it: the setup's own smoke test, the canary of a gallery version, a fleet's
 * URLs and verification, a scale set's health probe, URL and verification. `WindowsSetup.iisAspNet()` without steps
 * of the user's own serves exactly `http://<machine>/` (and `/Default.aspx`); a smoke test on the machine itself
 * proves its scheme on its port. A mismatch is refused at synth, through every kind of image that carries the build
 * (the managed image, a copy, a gallery version, its latest, its import into another stack); what the library cannot
 * know (a setup with steps of the user's own, an image imported by id) is not judged.
 *
 * Ports and messages of tokens: test/token-numbers.test.ts (rows "an image of WindowsSetup.iisAspNet()").
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { TerraformStack } from 'cdktf';
import {
  FleetRollout, GalleryCanaryOptions, GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenVm, IImage, ImageCopy, ImageFleet, ImageScaleSet,
  ImageScaleSetProps, SecurityType, SmokeTestOptions, WindowsSetup,
} from '../lib';
import { galleryImageProps, imageFleetProps, imageScaleSetProps } from './util/builders';
import { goldenVmProps } from './util/constructs';
import { builtImage, httpsSetup } from './util/number-props';
import { expectRefused, Refusal, synthesize } from './util/refusal';

const IIS = () => WindowsSetup.iisAspNet();
const IIS_WITH_STEP = (smokeTest?: SmokeTestOptions) => WindowsSetup.iisAspNet({ stepsAfter: [{ name: 'Site on 8080', script: 'Write-Output site' }], smokeTest });

/** A gallery version of a Trusted Launch build whose setup is `setup`. */
function galleryVersion(stack: TerraformStack, setup: WindowsSetup, canary?: GalleryCanaryOptions): GalleryImageVersion {
  const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ setup, securityType: SecurityType.TRUSTED_LAUNCH }));
  return new GalleryImageVersion(stack, 'Version', {
    galleryImage: new GalleryImage(stack, 'Definition', galleryImageProps(stack)), source: new GeneralizedImage(stack, 'Image', { vm }), canary,
  });
}

/** Another stack of `stack`'s app, for the images. */
function imageStack(stack: TerraformStack): TerraformStack {
  const images = new TerraformStack(stack.node.scope!, 'images');
  new AzurermProvider(images, 'azurerm', { features: [{}] });
  return images;
}

/** Every kind of image that carries a build of this app: in the fleet's stack (`stack`) or another one. */
const IMAGES: Record<string, (stack: TerraformStack, setup: WindowsSetup) => IImage> = {
  'the managed image': builtImage,
  'a copy': (s, setup) => new ImageCopy(s, 'Copy', { source: builtImage(s, setup), resourceGroupName: 'rg-images' }),
  'a gallery version': (s, setup) => galleryVersion(s, setup),
  'its latest': (s, setup) => galleryVersion(s, setup).latest,
  'its import into another stack': (s, setup) => galleryVersion(imageStack(s), setup).importInto(s, 'Imported'),
};

function fleet(stack: TerraformStack, image: IImage, appPort: number): void {
  new ImageFleet(stack, 'Fleet', { ...imageFleetProps(stack, { appPort, rollout: FleetRollout.ALL_AT_ONCE }), image });
}

function scaleSet(stack: TerraformStack, image: IImage, overrides: Partial<ImageScaleSetProps>): void {
  new ImageScaleSet(stack, 'Web', { ...imageScaleSetProps(stack, overrides), image });
}

const ONLY_80 = /serves it on http port 80 only \(IIS's Default Web Site/;
const PROBE_CONSEQUENCE = /the health probe would find every instance unhealthy/;

describe.each(Object.entries(IMAGES))('an app port the image does not serve, through %s', (_, image) => {
  test.each<[string, Refusal]>([
    ['ImageFleet, port 8080 of WindowsSetup.iisAspNet()', {
      construct: 'ImageFleet', prop: 'appPort', value: 8080, build: (s) => fleet(s, image(s, IIS()), 8080), mentions: [ONLY_80, /New-WebBinding/],
    }],
    ['ImageScaleSet, port 8080 of WindowsSetup.iisAspNet()', {
      construct: 'ImageScaleSet', prop: 'appPort', value: 8080, build: (s) => scaleSet(s, image(s, IIS()), { appPort: 8080 }), mentions: [ONLY_80, PROBE_CONSEQUENCE],
    }],
    ['ImageFleet, the https port a smoke test proved', {
      construct: 'ImageFleet',
      prop: 'appPort',
      value: 8443,
      build: (s) => fleet(s, image(s, httpsSetup()), 8443),
      mentions: [/over https \(the setup's smoke test fetches 'https:\/\/localhost:8443\/'\), but the fleet's URLs .* use plain http/],
    }],
    ['ImageScaleSet, a health probe path WindowsSetup.iisAspNet() does not serve', {
      construct: 'ImageScaleSet',
      prop: 'healthProbePath',
      value: '/health',
      build: (s) => scaleSet(s, image(s, IIS()), { healthProbePath: '/health' }),
      mentions: [/serves only '\/' and '\/Default\.aspx'/, PROBE_CONSEQUENCE, /Fix: pass '\/' \(the default\)/],
    }],
  ])('%s: refused', (__, row) => {
    expectRefused(row);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    ['port 80 of WindowsSetup.iisAspNet()', (s) => fleet(s, image(s, IIS()), 80)],
    ['any port of a setup with a step of its own', (s) => fleet(s, image(s, IIS_WITH_STEP({ url: 'http://localhost:8080/' })), 8080)],
    ['a port a step may serve over http beside the proven https one', (s) => scaleSet(s, image(s, httpsSetup()), { appPort: 8080 })],
    ['a probe on Default.aspx, in any case, with a query', (s) => scaleSet(s, image(s, IIS()), { healthProbePath: '/default.ASPX?probe=1' })],
    ['a probe path of a setup with a step of its own', (s) => scaleSet(s, image(s, IIS_WITH_STEP()), { healthProbePath: '/health' })],
  ])('%s: taken', (__, build) => {
    expect(synthesize(build).error?.message).toBeUndefined();
  });
});

describe('the canary of a gallery version', () => {
  const version = (setup: () => WindowsSetup, canary: GalleryCanaryOptions) => (s: TerraformStack) => galleryVersion(s, setup(), canary);

  test.each<[string, Refusal]>([
    ['another port than WindowsSetup.iisAspNet()\'s', {
      construct: 'GalleryImageVersion',
      prop: 'canary.url',
      value: 'http://localhost:8080/',
      build: version(IIS, { url: 'http://localhost:8080/' }),
      mentions: [/is on port 8080, but the image's setup, WindowsSetup\.iisAspNet without steps of your own, serves its page only at http:\/\/localhost\//,
        /every canary would fail and no version would ever become latest/],
    }],
    ['https, where WindowsSetup.iisAspNet() serves plain http', {
      construct: 'GalleryImageVersion', prop: 'canary.url', value: 'https://127.0.0.1/', build: version(IIS, { url: 'https://127.0.0.1/' }), mentions: [/is https, but/],
    }],
    ['a path WindowsSetup.iisAspNet() does not serve', {
      construct: 'GalleryImageVersion',
      prop: 'canary.url',
      value: 'http://localhost/health',
      build: version(IIS, { url: 'http://localhost/health' }),
      mentions: [/asks for '\/health'/],
    }],
    ['http on the port a smoke test proved for https', {
      construct: 'GalleryImageVersion',
      prop: 'canary.url',
      value: 'http://localhost:8443/',
      build: version(httpsSetup, { url: 'http://localhost:8443/' }),
      mentions: [/is http on port 8443, where the image serves its page over https .* Fix: fetch 'https:\/\/localhost:8443\/', or /],
    }],
  ])('%s: refused', (_, row) => {
    expectRefused(row);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    ['the default URL of WindowsSetup.iisAspNet()', version(IIS, {})],
    ['Default.aspx on 127.0.0.1', version(IIS, { url: 'http://127.0.0.1/Default.aspx' })],
    ['a port of a setup with a step of its own', version(() => IIS_WITH_STEP({ url: 'http://localhost:8080/' }), { url: 'http://localhost:8080/health' })],
    ['the https page the smoke test proved', version(httpsSetup, { url: 'https://localhost:8443/' })],
    ['another port beside the proven one (a step may serve it)', version(httpsSetup, { url: 'http://localhost/' })],
    ['any URL when the canary is disabled', version(IIS, { enabled: false, url: 'http://localhost:8080/' })],
  ])('%s: taken', (_, build) => {
    expect(synthesize(build).error?.message).toBeUndefined();
  });
});

describe('the smoke test of WindowsSetup.iisAspNet()', () => {
  const build = (smokeTest: SmokeTestOptions, stepsAfter?: WindowsSetup['steps']) => (s: TerraformStack) =>
    new GoldenVm(s, 'BuildVm', goldenVmProps({ setup: WindowsSetup.iisAspNet({ smokeTest, stepsAfter }) }));

  test.each<[string, string, RegExp]>([
    ['http://localhost:8080/', 'another port', /is on port 8080, but .* serves its page only at http:\/\/localhost\//],
    ['https://localhost/', 'https', /is https, but/],
    ['http://localhost/health', 'a path IIS does not serve', /asks for '\/health'/],
  ])('%s (%s) without steps of your own: refused, it would fail the build after its timeout', (url, _, mention) => {
    expectRefused({
      construct: 'WindowsSetup',
      prop: 'smokeTest.url',
      value: url,
      build: build({ url }),
      mentions: [mention, /the smoke test would fail the build after waiting its timeout\. Fix: pass 'http:\/\/localhost\/' \(the default\), or add the step/],
    });
  });

  test.each<[string, SmokeTestOptions, WindowsSetup['steps'] | undefined]>([
    ['the default', {}, undefined],
    ['Default.aspx on 127.0.0.1', { url: 'http://127.0.0.1/Default.aspx' }, undefined],
    ['another host (not judged)', { url: 'http://golden01:8080/' }, undefined],
    ['another port, with a step of your own', { url: 'https://localhost:8443/health' }, [{ name: 'Site', script: 'Write-Output site' }]],
  ])('%s: taken', (_, smokeTest, stepsAfter) => {
    expect(synthesize(build(smokeTest, stepsAfter)).error?.message).toBeUndefined();
  });
});

describe('the load balancer\'s port range', () => {
  // Azure takes frontend ports 0-65534 for a load-balancing rule (azurerm lets 65535 through): refused at synth,
  // whatever the image. A fleet's NSG opens any port up to 65535.
  test('ImageScaleSet refuses 65535; ImageFleet takes it', () => {
    expectRefused({
      construct: 'ImageScaleSet',
      prop: 'appPort',
      value: 65535,
      build: (s) => new ImageScaleSet(s, 'Web', imageScaleSetProps(s, { appPort: 65535 })),
      mentions: [/is not a TCP port a load-balancing rule takes \(a whole number 1-65534\)/],
    });
    expect(synthesize((s) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { appPort: 65535 }))).error?.message).toBeUndefined();
  });
});
