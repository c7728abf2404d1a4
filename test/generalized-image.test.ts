import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Image } from '@cdktf/provider-azurerm/lib/image';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import {
  GeneralizedImage, GeneralizedImageProps, GoldenVm, GoldenVmProps, HyperVGeneration, MarketplaceImage, OsType, WindowsSetup,
} from '../lib';
import { synthToDirectory } from './util/generalize-stack';
import { addressOf, onlyResource, resourcesOf, synthStack } from './util/synth';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

const SEED_IMAGE = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest');
const GEN1_IMAGE = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core:latest');
const ENVIRONMENT_KEYS = [
  'GOLDEN_DEALLOCATE_TIMEOUT_MINUTES', 'GOLDEN_GUEST_SCRIPT', 'GOLDEN_RESOURCE_GROUP', 'GOLDEN_SUBSCRIPTION_ID',
  'GOLDEN_SYSPREP_TIMEOUT_MINUTES', 'GOLDEN_VM_NAME',
];
const COMMAND = /^bash "\.\/assets\/GoldenImageGeneralizeVmScript\/[0-9A-F]{32}\/generalize-vm\.sh"$/;

function vmProps(overrides: Partial<GoldenVmProps> = {}): GoldenVmProps {
  return { location: 'westeurope', image: SEED_IMAGE, setup: WindowsSetup.iisAspNet(), vmName: 'vm-golden', computerName: 'golden01', ...overrides };
}

function synthImage(overrides: Partial<GeneralizedImageProps> = {}, vmOverrides: Partial<GoldenVmProps> = {}) {
  let image: GeneralizedImage | undefined;
  const result = synthStack((stack) => {
    const vm = new GoldenVm(stack, 'BuildVm', vmProps(vmOverrides));
    image = new GeneralizedImage(stack, 'Image', { vm, ...overrides });
  });
  return { ...result, image: image! };
}

/** The terraform_data resource of the generalize step (GoldenVm has one too, without provisioner). */
function generalizeStep(parsed: any): { name: string; resource: any; localExec: any } {
  const entries = Object.entries<any>(resourcesOf(parsed, 'terraform_data')).filter(([, r]) => r.provisioner !== undefined);
  expect(entries).toHaveLength(1);
  const [name, resource] = entries[0];
  expect(resource.provisioner).toHaveLength(1);
  return { name, resource, localExec: resource.provisioner[0]['local-exec'] };
}

describe('GeneralizedImage', () => {
  test('captures the VM into azurerm_image with the V2 generation of the Gen2 seed image', () => {
    // WHEN
    const { parsed, json } = synthImage();
    // THEN
    const vmAddress = addressOf(parsed, 'azurerm_windows_virtual_machine');
    expect(onlyResource(parsed, 'azurerm_image')).toEqual({
      name: 'img-vm-golden',
      resource_group_name: `\${${addressOf(parsed, 'azurerm_resource_group')}.name}`,
      location: 'westeurope',
      source_virtual_machine_id: `\${${vmAddress}.id}`,
      hyper_v_generation: 'V2',
      depends_on: [`terraform_data.${generalizeStep(parsed).name}`],
      lifecycle: { replace_triggered_by: [`terraform_data.${generalizeStep(parsed).name}`] },
    });
    // Neither block Terraform rejects or keeps replacing with a source VM.
    expect(json).toHaveResourceWithProperties(Image, { source_virtual_machine_id: `\${${vmAddress}.id}` });
    expect(onlyResource(parsed, 'azurerm_image').os_disk).toBeUndefined();
    expect(onlyResource(parsed, 'azurerm_image').zone_resilient).toBeUndefined();
  });

  test('uses V1 for a Gen1 SKU', () => {
    const { parsed, image } = synthImage({}, { image: GEN1_IMAGE });
    expect(onlyResource(parsed, 'azurerm_image').hyper_v_generation).toBe('V1');
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V1);
  });

  test('chains setup extension -> generalize step -> image in the JSON', () => {
    const { parsed } = synthImage();
    const step = generalizeStep(parsed);
    const extension = addressOf(parsed, 'azurerm_virtual_machine_extension');
    expect(step.resource.depends_on).toEqual([extension]);
    expect(onlyResource(parsed, 'azurerm_image').depends_on).toEqual([`terraform_data.${step.name}`]);
  });

  test('runs the generalize step once per build VM', () => {
    const { parsed } = synthImage();
    expect(generalizeStep(parsed).resource.triggers_replace).toBe(`\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.id}`);
  });

  test('runs a constant command: the script asset by a relative path, no Terraform interpolation', () => {
    const { localExec } = generalizeStep(synthImage().parsed);
    expect(Object.keys(localExec).sort()).toEqual(['command', 'environment']);
    expect(localExec.command).toMatch(COMMAND);
    expect(localExec.command).not.toContain('${');
    // The same command whatever the VM, its names and the timeouts: values only travel in the environment.
    const other = generalizeStep(synthImage(
      { imageName: 'img-other', resourceGroupName: 'rg-other', timeouts: { sysprepMinutes: 45, deallocateMinutes: 10 } },
      { vmName: 'vm-other', resourceGroupName: 'rg-vms' },
    ).parsed).localExec;
    expect(other.command).toBe(localExec.command);
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
      GOLDEN_GUEST_SCRIPT: expect.stringMatching(/^\.\/assets\/GoldenImageGeneralizeGuestScript\/[0-9A-F]{32}\/generalize\.ps1$/),
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
      const operatorScript = /^bash "(.*)"$/.exec(synthesized.provisioner.command)![1];
      const guestScript = synthesized.provisioner.environment.GOLDEN_GUEST_SCRIPT;
      expect(fs.readFileSync(path.join(synthesized.stackDirectory, operatorScript), 'utf8'))
        .toBe(fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'operator', 'generalize-vm.sh'), 'utf8'));
      expect(fs.readFileSync(path.join(synthesized.stackDirectory, guestScript), 'utf8'))
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
    const steps = Object.values<any>(resourcesOf(parsed, 'terraform_data')).filter((r) => r.provisioner !== undefined);
    expect(steps).toHaveLength(2);
    const [web, api] = steps.map((s) => s.provisioner[0]['local-exec']);
    expect(api.command).toBe(web.command);
    expect(api.environment.GOLDEN_GUEST_SCRIPT).toBe(web.environment.GOLDEN_GUEST_SCRIPT);
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
    expect(parsed.output.image_id.value).toBe(`\${${addressOf(parsed, 'azurerm_image')}.id}`);
    expect(parsed.output.os_disk_id.value).toBe(`\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.os_disk[0].id}`);
    expect(image.imageName).toBe('img-vm-golden');
    expect(image.resourceGroupName).toBe(vm!.resourceGroupName);
    expect(image.location).toBe('westeurope');
    expect(image.osType).toBe(OsType.WINDOWS);
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V2);
    expect(image.imageDependables).toEqual([image.image]);
  });

  test('uses the given image name, resource group and tags', () => {
    const { parsed, image } = synthImage({ imageName: 'img-golden-web', resourceGroupName: 'rg-images', tags: { purpose: 'golden' } });
    expect(onlyResource(parsed, 'azurerm_image')).toMatchObject({ name: 'img-golden-web', resource_group_name: 'rg-images', tags: { purpose: 'golden' } });
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
    expect(onlyResource(parsed, 'azurerm_image')).toMatchObject({ name: '${var.image_name}', resource_group_name: '${var.image_rg}' });
    const { localExec } = generalizeStep(parsed);
    expect(localExec.environment).toMatchObject({
      GOLDEN_VM_NAME: '${var.vm_name}', GOLDEN_SYSPREP_TIMEOUT_MINUTES: '${var.sysprep_minutes}', GOLDEN_DEALLOCATE_TIMEOUT_MINUTES: '${var.deallocate_minutes}',
    });
    expect(localExec.command).toMatch(COMMAND);
  });

  describe('bad input', () => {
    test.each<[string, Partial<GeneralizedImageProps>, RegExp]>([
      ['image name with invalid characters', { imageName: 'img golden' }, /imageName: 'img golden' is not a valid managed image name .*Fix: pass imageName/],
      ['image name ending in a period', { imageName: 'img-golden.' }, /imageName: 'img-golden\.' is not a valid managed image name/],
      ['image name over 80 characters', { imageName: `img-${'x'.repeat(77)}` }, /imageName: 'img-x+\.\.\.' is not a valid managed image name/],
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
