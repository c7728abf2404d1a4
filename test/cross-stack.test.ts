/**
 * Objects passed across stacks, as cdktf users do: an image made in one stack, used by a construct in another. cdktf
 * turns every reference into an output there and a `terraform_remote_state` here; Terraform refuses a remote-state
 * attribute in `depends_on` ("Invalid depends_on reference: References in depends_on must be to a whole object"), so
 * across stacks the values must carry the dependency, and nothing of the other stack may land in a `depends_on`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  FleetRollout, GalleryImageVersion, GeneralizedImage, GoldenVm, IImage, ImageCopy, ImageFleet, ImageScaleSet,
} from '../lib';
import { galleryImageVersionProps, imageScaleSetProps } from './util/builders';
import { goldenVmProps } from './util/constructs';

type ImageMaker = (stack: TerraformStack) => IImage;

const IMAGES: Record<string, ImageMaker> = {
  'a GeneralizedImage': (stack) => new GeneralizedImage(stack, 'Image', { vm: new GoldenVm(stack, 'BuildVm', goldenVmProps()), imageName: 'img-golden' }),
  'an ImageCopy within the region': (stack) => new ImageCopy(stack, 'Copy', {
    source: new GeneralizedImage(stack, 'Image', { vm: new GoldenVm(stack, 'BuildVm', goldenVmProps()), imageName: 'img-golden' }),
    resourceGroupName: 'rg-images',
  }),
  'an ImageCopy to another region': (stack) => new ImageCopy(stack, 'Copy', {
    source: new GeneralizedImage(stack, 'Image', { vm: new GoldenVm(stack, 'BuildVm', goldenVmProps()), imageName: 'img-golden' }),
    resourceGroupName: 'rg-images',
    location: 'northeurope',
  }),
  'a GalleryImageVersion': (stack) => new GalleryImageVersion(stack, 'Version', galleryImageVersionProps(stack)),
  'a GalleryImageVersion\'s latest': (stack) => new GalleryImageVersion(stack, 'Version', galleryImageVersionProps(stack)).latest,
};

type Consumer = (scope: Construct, image: IImage) => void;

const CONSUMERS: Record<string, Consumer> = {
  'ImageFleet (new before old)': (scope, image) => new ImageFleet(scope, 'Fleet', { image, count: 2, namePrefix: 'web', resourceGroupName: 'rg-fleet' }),
  'ImageFleet (all at once)': (scope, image) => new ImageFleet(scope, 'Fleet', {
    image, count: 2, namePrefix: 'web', resourceGroupName: 'rg-fleet', rollout: FleetRollout.ALL_AT_ONCE,
  }),
  'ImageScaleSet': (scope, image) => new ImageScaleSet(scope, 'Web', { ...imageScaleSetProps(scope), image }),
  'ImageCopy': (scope, image) => new ImageCopy(scope, 'AppCopy', { source: image, resourceGroupName: 'rg-app-images', imageName: 'img-app' }),
};

/** Synthesizes an `images` stack and a `consumer` stack that uses its image; every stack's JSON by stack name. */
function synthAcross(makeImage: ImageMaker, consume: Consumer): Record<string, any> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cross-stack-'));
  try {
    const app = new App({ outdir, stackTraces: false });
    const images = new TerraformStack(app, 'images');
    new AzurermProvider(images, 'azurerm', { features: [{}] });
    const consumer = new TerraformStack(app, 'consumer');
    new AzurermProvider(consumer, 'azurerm', { features: [{}] });
    consume(consumer, makeImage(images));
    app.synth();
    return Object.fromEntries(['images', 'consumer'].map((name) =>
      [name, JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'))]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every `depends_on` entry of a stack, as `<resource address> -> <entry>`. */
function dependsOnEntries(parsed: any): string[] {
  return Object.entries<any>(parsed.resource ?? {}).flatMap(([type, resources]) =>
    Object.entries<any>(resources).flatMap(([name, body]) => (body.depends_on ?? []).map((d: string) => `${type}.${name} -> ${d}`)));
}

describe('an image made in another stack', () => {
  // ImageCopy copies managed images only (a gallery version is replicated instead: refused in any stack).
  const cases = Object.keys(IMAGES).flatMap((image) => Object.keys(CONSUMERS).map((consumer) => [image, consumer] as const))
    .filter(([image, consumer]) => !(image.includes('Gallery') && consumer === 'ImageCopy'));

  test.each(cases)('%s used by %s: synthesizes, the dependency through the value, no depends_on across stacks', (imageName, consumerName) => {
    const stacks = synthAcross(IMAGES[imageName], CONSUMERS[consumerName]);
    const entries = dependsOnEntries(stacks.consumer);
    expect(entries.filter((e) => e.includes('terraform_remote_state'))).toEqual([]);
    // The image id still comes from the other stack: that is what makes Terraform (and cdktf's deploy order) wait.
    expect(JSON.stringify(stacks.consumer)).toContain('data.terraform_remote_state.cross-stack-reference-input-images');
  });

  test('ImageFleet\'s default rollout is refused only for an image made in the fleet\'s own stack', () => {
    let error: Error | undefined;
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cross-stack-'));
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = new TerraformStack(app, 'both');
      new AzurermProvider(stack, 'azurerm', { features: [{}] });
      const image = IMAGES['an ImageCopy within the region'](stack);
      try {
        new ImageFleet(stack, 'Fleet', { image, count: 2, namePrefix: 'web', resourceGroupName: 'rg-fleet' });
      } catch (e) {
        error = e as Error;
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    expect(error?.message).toMatch(/rollout: 'NewBeforeOld' needs an image made in another stack, but this image is made in this one/);
  });
});
