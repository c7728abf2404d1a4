import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fn, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import {
  GalleryImageVersion, GeneralizedImage, GeneralizedImageProps, GoldenVm, GoldenVmProps, HyperVGeneration, MarketplaceImage, OsType, SecurityType,
} from '../lib';
import { galleryImageVersionProps } from './util/builders';
import { goldenVmProps } from './util/constructs';
import { synthToDirectory } from './util/generalize-stack';
import { synthesize } from './util/refusal';
import { addressAt, addressOf, resourceAt, resourcesOf, synthStack } from './util/synth';
import { SCRIPTS_DIRECTORY } from '../lib/private/steps/scripts';

const GEN1_IMAGE = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core:latest');
const ENVIRONMENT_KEYS = [
  'GOLDEN_DEALLOCATE_TIMEOUT_MINUTES', 'GOLDEN_GUEST_DIRECTORY', 'GOLDEN_RESOURCE_GROUP', 'GOLDEN_SUBSCRIPTION_ID',
  'GOLDEN_SYSPREP_TIMEOUT_MINUTES', 'GOLDEN_VM_NAME',
];
const SCRIPTS = '\\./assets/GoldenImageScripts/[0-9A-F]{32}';
/** The operator program, started by Terraform without a shell: Node.js, the bundle, then the step as the command. */
const INTERPRETER = ['node', expect.stringMatching(new RegExp(`^${SCRIPTS}/operator/operator\\.js$`))];
const COMMAND = /^generalize$/;

const vmProps = goldenVmProps;

function synthImage(overrides: Partial<GeneralizedImageProps> = {}, vmOverrides: Partial<GoldenVmProps> = {}) {
  let image: GeneralizedImage | undefined;
  const result = synthStack((stack) => {
    const vm = new GoldenVm(stack, 'BuildVm', vmProps(vmOverrides));
    image = new GeneralizedImage(stack, 'Image', { vm, ...overrides });
  });
  return { ...result, image: image! };
}

/** The generalize step's terraform_data resource. */
function generalizeStep(parsed: any): { name: string; resource: any; localExec: any } {
  const resource = resourceAt(parsed, 'terraform_data', 'Image/Generalize');
  expect(resource.provisioner).toHaveLength(1);
  return { name: addressAt(parsed, 'terraform_data', 'Image/Generalize').split('.')[1], resource, localExec: resource.provisioner[0]['local-exec'] };
}

describe('GeneralizedImage', () => {
  test('captures each build as <line>-<revision> from the generalized VM, with the V2 generation of the Gen2 seed image', () => {
    // WHEN
    const { parsed } = synthImage();
    // THEN
    const vmAddress = addressOf(parsed, 'azurerm_windows_virtual_machine');
    const revision = `\${${addressAt(parsed, 'terraform_data', 'BuildVm/BuildRevision')}.output}`;
    const group = `\${${addressOf(parsed, 'azurerm_resource_group')}.name}`;
    // The provider's subscription, read once per stack: stable across builds, unlike one split from the build VM's id.
    const subscription = '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}';
    expect(Object.keys(parsed.data.azurerm_client_config)).toEqual(['GoldenImageClientConfig']);
    const capture = resourceAt(parsed, 'terraform_data', 'Image/Capture');
    expect(capture.triggers_replace).toBe(revision);
    expect(capture.input).toEqual({
      image_id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Compute/images/img-vm-golden-${revision}`,
      image_name: `img-vm-golden-${revision}`,
      resource_group_name: group,
      location: 'westeurope',
      hyper_v_generation: 'V2',
      source_virtual_machine_id: `\${${vmAddress}.id}`,
    });
    const exec = capture.provisioner[0]['local-exec'];
    // The operator program's capture step: Node.js runs it, no shell.
    expect(exec.command).toBe('capture');
    expect(exec.interpreter).toEqual(['node', expect.stringMatching(new RegExp(`^${SCRIPTS}/operator/operator\\.js$`))]);
    expect(exec.environment).toEqual({
      GOLDEN_SUBSCRIPTION_ID: subscription,
      GOLDEN_IMAGE_RESOURCE_GROUP: group,
      GOLDEN_IMAGE_NAME: 'img-vm-golden',
      GOLDEN_BUILD_REVISION: revision,
      GOLDEN_SOURCE_ID: `\${${vmAddress}.id}`,
      GOLDEN_IMAGE_LOCATION: 'westeurope',
      GOLDEN_HYPERV_GENERATION: 'V2',
      GOLDEN_OS_TYPE: 'Windows',
      GOLDEN_RETAIN_BUILDS: '3',
    });
    // No Terraform-managed image: a rebuild adds an image beside the earlier ones instead of replacing one.
    expect(resourcesOf(parsed, 'azurerm_image')).toEqual({});
  });

  test('deletes every image of the line when the stack is destroyed, with values only from the resource itself', () => {
    const { parsed } = synthImage({ imageName: 'img-web', resourceGroupName: 'rg-images' });
    const line = resourceAt(parsed, 'terraform_data', 'Image/ImageLine');
    // Nothing of a build: a rebuild must never replace the line, whose destroy-time step deletes every kept image.
    const input = { subscription_id: '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}', resource_group_name: 'rg-images', image_line: 'img-web' };
    expect(line.input).toEqual(input);
    expect(line.triggers_replace).toEqual(input);
    expect(line.provisioner).toEqual([{
      'local-exec': {
        interpreter: ['node', expect.stringMatching(new RegExp(`^${SCRIPTS}/operator/operator\\.js$`))],
        command: 'delete-all',
        environment: {
          GOLDEN_SUBSCRIPTION_ID: '${self.input.subscription_id}',
          GOLDEN_IMAGE_RESOURCE_GROUP: '${self.input.resource_group_name}',
          GOLDEN_IMAGE_NAME: '${self.input.image_line}',
        },
        when: 'destroy',
      },
    }]);
    // The capture waits for the line (so the line is destroyed after it) and for the generalization.
    expect(resourceAt(parsed, 'terraform_data', 'Image/Capture').depends_on).toEqual([
      addressAt(parsed, 'terraform_data', 'Image/ImageLine'), addressAt(parsed, 'terraform_data', 'Image/Generalize'),
    ]);
  });

  test('uses V1 for a Gen1 SKU', () => {
    const { parsed, image } = synthImage({}, { image: GEN1_IMAGE });
    expect(resourceAt(parsed, 'terraform_data', 'Image/Capture').input.hyper_v_generation).toBe('V1');
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V1);
  });

  test('chains setup step -> generalize step -> capture in the JSON', () => {
    const { parsed } = synthImage();
    const step = generalizeStep(parsed);
    expect(step.resource.depends_on).toEqual([addressAt(parsed, 'terraform_data', 'BuildVm/Setup')]);
  });

  test('runs the generalize step once per build VM', () => {
    const { parsed } = synthImage();
    expect(generalizeStep(parsed).resource.triggers_replace).toBe(`\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.id}`);
  });

  test('runs a constant command: the script asset by a relative path, no Terraform interpolation', () => {
    const { localExec } = generalizeStep(synthImage().parsed);
    expect(Object.keys(localExec).sort()).toEqual(['command', 'environment', 'interpreter']);
    expect(localExec.command).toMatch(COMMAND);
    expect(localExec.interpreter).toEqual(INTERPRETER);
    expect(JSON.stringify([localExec.command, localExec.interpreter])).not.toContain('${');
    // The same command whatever the VM, its names and the timeouts: values only travel in the environment.
    const other = generalizeStep(synthImage(
      { imageName: 'img-other', resourceGroupName: 'rg-other', timeouts: { sysprepMinutes: 45, deallocateMinutes: 10 } },
      { vmName: 'vm-other', resourceGroupName: 'rg-vms' },
    ).parsed).localExec;
    expect([other.command, other.interpreter]).toEqual([localExec.command, localExec.interpreter]);
  });

  test('passes every value through the environment', () => {
    const { parsed } = synthImage();
    const { localExec } = generalizeStep(parsed);
    const vmAddress = addressOf(parsed, 'azurerm_windows_virtual_machine');
    expect(Object.keys(localExec.environment).sort()).toEqual(ENVIRONMENT_KEYS);
    expect(localExec.environment).toEqual({
      GOLDEN_SUBSCRIPTION_ID: `\${element(split("/", ${vmAddress}.id), 2)}`,
      GOLDEN_RESOURCE_GROUP: `\${${addressOf(parsed, 'azurerm_resource_group')}.name}`,
      GOLDEN_VM_NAME: 'vm-golden',
      GOLDEN_GUEST_DIRECTORY: expect.stringMatching(new RegExp(`^${SCRIPTS}/guest$`)),
      GOLDEN_SYSPREP_TIMEOUT_MINUTES: '30',
      GOLDEN_DEALLOCATE_TIMEOUT_MINUTES: '20',
    });
  });

  test('passes the given timeouts and the given resource group', () => {
    const { parsed } = synthImage({ timeouts: { sysprepMinutes: 45, deallocateMinutes: 10 } }, { resourceGroupName: 'rg-build' });
    expect(generalizeStep(parsed).localExec.environment).toMatchObject({
      GOLDEN_RESOURCE_GROUP: 'rg-build', GOLDEN_SYSPREP_TIMEOUT_MINUTES: '45', GOLDEN_DEALLOCATE_TIMEOUT_MINUTES: '10',
    });
  });

  test('copies the scripts into the stack directory and refers to them relatively, never by an absolute path', () => {
    // GIVEN a real synth, as `cdktf synth` does
    const synthesized = synthToDirectory('golden', (stack) => {
      new GeneralizedImage(stack, 'Image', { vm: new GoldenVm(stack, 'BuildVm', vmProps()) });
    });
    try {
      // THEN
      const json = fs.readFileSync(path.join(synthesized.stackDirectory, 'cdk.tf.json'), 'utf8');
      for (const absolute of [process.cwd(), os.tmpdir(), SCRIPTS_DIRECTORY, synthesized.outdir]) {
        expect(json).not.toContain(absolute);
      }
      const operatorProgram = (synthesized.provisioner as unknown as { interpreter: string[] }).interpreter[1];
      const guestDirectory = synthesized.provisioner.environment.GOLDEN_GUEST_DIRECTORY;
      // The whole operator directory, byte for byte: the operator program, nothing else.
      expect(fs.readdirSync(path.join(synthesized.stackDirectory, path.dirname(operatorProgram)))).toEqual(['operator.js']);
      for (const script of ['operator.js']) {
        expect(fs.readFileSync(path.join(synthesized.stackDirectory, path.dirname(operatorProgram), script), 'utf8'))
          .toBe(fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'operator', script), 'utf8'));
      }
      expect(path.basename(operatorProgram)).toBe('operator.js');
      expect(fs.readFileSync(path.join(synthesized.stackDirectory, guestDirectory, 'generalize.ps1'), 'utf8'))
        .toBe(fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', 'generalize.ps1'), 'utf8'));
    } finally {
      fs.rmSync(synthesized.outdir, { recursive: true, force: true });
    }
  });

  test('shares one copy of the scripts between the images of a stack', () => {
    const { parsed } = synthStack((stack: TerraformStack) => {
      new GeneralizedImage(stack, 'Web', { vm: new GoldenVm(stack, 'WebVm', vmProps({ vmName: 'vm-web', computerName: 'web01' })) });
      new GeneralizedImage(stack, 'Api', { vm: new GoldenVm(stack, 'ApiVm', vmProps({ vmName: 'vm-api', computerName: 'api01' })) });
    });
    const [web, api] = ['Web', 'Api'].map((id) => resourceAt(parsed, 'terraform_data', `${id}/Generalize`).provisioner[0]['local-exec']);
    expect(api.command).toBe(web.command);
    expect(api.environment.GOLDEN_GUEST_DIRECTORY).toBe(web.environment.GOLDEN_GUEST_DIRECTORY);
    expect(Object.keys(parsed.resource).filter((t) => t.startsWith('azurerm_image'))).toEqual([]);
    expect([web.environment.GOLDEN_VM_NAME, api.environment.GOLDEN_VM_NAME].sort()).toEqual(['vm-api', 'vm-web']);
  });

  test('implements IImage', () => {
    let vm: GoldenVm | undefined;
    const { parsed, image } = (() => {
      let built: GeneralizedImage | undefined;
      const result = synthStack((stack) => {
        vm = new GoldenVm(stack, 'BuildVm', vmProps({ location: 'West Europe' }));
        built = new GeneralizedImage(stack, 'Image', { vm });
        new TerraformOutput(stack, 'image_id', { value: built.imageId });
        new TerraformOutput(stack, 'os_disk_id', { value: built.osDiskId });
      });
      return { ...result, image: built! };
    })();
    // One reference to the capture step: whoever uses the id waits for the capture, and it crosses stacks as one value.
    expect(parsed.output.image_id.value).toBe(`\${${addressAt(parsed, 'terraform_data', 'Image/Capture')}.output.image_id}`);
    expect(parsed.output.os_disk_id.value).toBe(`\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.os_disk[0].id}`);
    expect(image.imageBuild).toEqual({ revision: vm!.buildRevision, lineName: 'img-vm-golden' });
    expect(image.resourceGroupName).toBe(vm!.resourceGroupName);
    expect(image.location).toBe('westeurope');
    expect(image.osType).toBe(OsType.WINDOWS);
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V2);
    expect(image.imageDependables).toEqual([image.captureStep]);
  });

  test('uses the given image name, resource group and tags', () => {
    const { parsed, image } = synthImage({ imageName: 'img-golden-web', resourceGroupName: 'rg-images', retainBuilds: 5, tags: { purpose: 'golden', team: 'web' } });
    expect(resourceAt(parsed, 'terraform_data', 'Image/Capture').provisioner[0]['local-exec'].environment).toMatchObject({
      GOLDEN_IMAGE_NAME: 'img-golden-web', GOLDEN_IMAGE_RESOURCE_GROUP: 'rg-images', GOLDEN_RETAIN_BUILDS: '5', GOLDEN_IMAGE_TAGS: 'purpose=golden\nteam=web',
    });
    expect(image.resourceGroupName).toBe('rg-images');
  });

  test('accepts unresolved tokens', () => {
    const { parsed } = synthStack((stack: TerraformStack) => {
      const name = new TerraformVariable(stack, 'image_name', { type: 'string' });
      const rg = new TerraformVariable(stack, 'image_rg', { type: 'string' });
      const sysprep = new TerraformVariable(stack, 'sysprep_minutes', { type: 'number' });
      const deallocate = new TerraformVariable(stack, 'deallocate_minutes', { type: 'number' });
      const vmName = new TerraformVariable(stack, 'vm_name', { type: 'string' });
      const vm = new GoldenVm(stack, 'BuildVm', vmProps({ vmName: vmName.stringValue, computerName: 'golden01' }));
      new GeneralizedImage(stack, 'Image', {
        vm,
        imageName: name.stringValue,
        resourceGroupName: rg.stringValue,
        timeouts: { sysprepMinutes: sysprep.numberValue, deallocateMinutes: deallocate.numberValue },
      });
    });
    expect(resourceAt(parsed, 'terraform_data', 'Image/Capture').provisioner[0]['local-exec'].environment)
      .toMatchObject({ GOLDEN_IMAGE_NAME: '${var.image_name}', GOLDEN_IMAGE_RESOURCE_GROUP: '${var.image_rg}' });
    const { localExec } = generalizeStep(parsed);
    expect(localExec.environment).toMatchObject({
      GOLDEN_VM_NAME: '${var.vm_name}', GOLDEN_SYSPREP_TIMEOUT_MINUTES: '${var.sysprep_minutes}', GOLDEN_DEALLOCATE_TIMEOUT_MINUTES: '${var.deallocate_minutes}',
    });
    expect(localExec.command).toMatch(COMMAND);
  });

  describe('bad input', () => {
    test.each<[string, Partial<GeneralizedImageProps>, RegExp]>([
      ['image name with invalid characters', { imageName: 'img golden' }, /imageName: 'img golden' is not a valid image line name .*Fix: shorten it/],
      ['image name ending in a period', { imageName: 'img-golden.' }, /imageName: 'img-golden\.' is not a valid image line name/],
      ['image name leaving no room for the revision', { imageName: `img-${'x'.repeat(62)}` }, /imageName: 'img-x+' is not a valid image line name \(1-65 letters.*the build revision is appended\)/],
      ['no builds kept', { retainBuilds: 0 }, /retainBuilds: 0 is not a whole number of builds between 1 and 50/],
      ['tags as a token map', { tags: Token.asStringMap(Fn.merge([{ team: 'web' }])) }, /tags: .* is an unresolved map, but the capture step .*Fix: pass a literal map \(its values may be tokens\)/],
      ['resource group name', { resourceGroupName: 'rg/images' }, /resourceGroupName: 'rg\/images' is not a valid resource group name/],
      ['Sysprep timeout beyond Run Command', { timeouts: { sysprepMinutes: 90 } }, /timeouts\.sysprepMinutes: 90 is not a whole number of minutes between 5 and 80 \(Run Command stops scripts after 90 minutes\)/],
      ['fractional Sysprep timeout', { timeouts: { sysprepMinutes: 7.5 } }, /timeouts\.sysprepMinutes: 7.5 is not a whole number/],
      ['deallocation timeout', { timeouts: { deallocateMinutes: 1 } }, /timeouts\.deallocateMinutes: 1 is not a whole number of minutes between 5 and 60/],
    ])('%s', (_, overrides, message) => {
      expect(() => synthImage(overrides)).toThrow(message);
    });

    test('reports every problem in one error, with the construct path', () => {
      expect(() => synthImage({ imageName: '-img', resourceGroupName: 'rg.', timeouts: { sysprepMinutes: 0, deallocateMinutes: 100 } }))
        .toThrow(/GeneralizedImage 'stack\/Image': 4 invalid props:\n  - imageName: .*\n  - resourceGroupName: .*\n  - timeouts\.sysprepMinutes: .*\n  - timeouts\.deallocateMinutes: /);
    });
  });
});

describe('GeneralizedImage without a managed image', () => {
  test('is refused at synth when no GalleryImageVersion publishes it: the bake would publish nothing', () => {
    for (const buildProps of [{ securityType: SecurityType.TRUSTED_LAUNCH }, {}]) {
      const result = synthesize((stack) => {
        const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps(buildProps));
        new GeneralizedImage(stack, 'Image', { vm, managedImage: buildProps.securityType === undefined ? false : undefined });
      });
      expect(result.error?.message).toMatch(/GeneralizedImage 'stack\/Image': 1 invalid prop:\n  - vm: 'vm-golden' would be built, generalized and left unused: .*no GalleryImageVersion publishes this build.*Fix: publish it with new GalleryImageVersion/);
      expect(result.jsonFiles).toEqual([]);
    }
  });

  test('synthesizes when a GalleryImageVersion publishes it', () => {
    const result = synthesize((stack) => {
      new GalleryImageVersion(stack, 'Version', galleryImageVersionProps(stack));
    });
    expect(result.error).toBeUndefined();
    expect(result.jsonFiles).toEqual(['stacks/stack/cdk.tf.json']);
  });
});
