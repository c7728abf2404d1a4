/**
 * Real Terraform runs GalleryImageVersion's operator steps as a user's `cdktf deploy` would (the provisioners'
 * escaping, interpreter, environment and dependency order, from the stack directory; the operator program's steps with
 * Node.js, the canary with bash) against the simulated az: a
 * version published, its canaries, its promotion; a failing canary fails the apply and leaves the previous version as
 * latest; the next apply, once the cause is fixed, runs the canary and the promotion without publishing again. The
 * stack holds only the version's terraform_data resources, the azurerm references replaced by the values Terraform
 * would have given them: terraform_data needs no provider download.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenVm, ImageGallery, ImageSecurityType, MarketplaceImage,
  SecurityType, WindowsSetup,
} from '../lib';
import { FakeAz, FakeGalleryVersion, SUBSCRIPTION_ID } from './util/fake-az';
import { SynthesizedStack, synthToDirectory } from './util/generalize-stack';
import { describeWithTerraform } from './util/tools';

const TERRAFORM = process.env.TERRAFORM ?? 'terraform';

const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
const REVISION = '20261201120000';
const VERSION = '2026.1201.120000';
const LINE = 'rg-images/gal_golden/web-iis';
const STEPS = ['VersionLine', 'Publish', 'Replication', 'Canary', 'Promote'];


/** A build of the line, promoted (latest) unless `excluded`. */
function earlierVersion(name: string, revision: string, excluded = false): FakeGalleryVersion {
  return {
    name,
    location: 'westeurope',
    provisioningState: 'Succeeded',
    excludeFromLatest: excluded,
    tags: { 'golden-image-name': 'web-iis', 'golden-image-revision': revision },
    targetRegions: [{ name: 'West Europe', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
    source: VM_ID,
  };
}

describeWithTerraform('terraform apply of the gallery version steps', () => {
  let synthesized: SynthesizedStack;
  let workDirectory: string;
  let fake: FakeAz;

  /** The version's steps as Terraform would see them once the gallery, definition, VM and revision exist. */
  function writeStack(): void {
    const steps = Object.entries<any>(synthesized.parsed.resource.terraform_data)
      .filter(([, r]) => STEPS.some((step) => r['//'].metadata.path.endsWith(`/Version/${step}`)));
    expect(steps).toHaveLength(STEPS.length);
    const ownAddresses = new Set(steps.map(([name]) => `terraform_data.${name}`));
    const references = synthesized.parsed.resource;
    const name = (type: string) => Object.keys(references[type])[0];
    const revisionReference = `terraform_data.${Object.keys(references.terraform_data).find((n) => n.startsWith('BuildVm_BuildRevision'))}.output`;
    const ownDependencies = (r: any) => (r.depends_on ?? []).filter((d: string) => ownAddresses.has(d));
    let text = JSON.stringify(Object.fromEntries(steps.map(([n, r]) => [n, { ...r, depends_on: ownDependencies(r) }])));
    const literal: Array<[string, string]> = [
      ['${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}', SUBSCRIPTION_ID],
      [`\${azurerm_shared_image_gallery.${name('azurerm_shared_image_gallery')}.name}`, 'gal_golden'],
      [`\${azurerm_shared_image.${name('azurerm_shared_image')}.name}`, 'web-iis'],
      [`\${azurerm_shared_image.${name('azurerm_shared_image')}.id}`,
        `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal_golden/images/web-iis`],
      [`\${${synthesized.vmAddress}.id}`, VM_ID],
      [`\${${revisionReference}}`, REVISION],
      // Inside the version's format() expression: a string literal, escaped as JSON text holds it.
      [revisionReference, '\\"' + REVISION + '\\"'],
    ];
    for (const [expression, value] of literal) {
      text = text.split(expression).join(value);
    }
    // Nothing left that Terraform could not evaluate without the rest of the stack.
    expect(text.match(/.{60}(azurerm_|\bdata\.|BuildVm_).{20}/g)).toBeNull();
    const stack = { terraform: { backend: { local: { path: 'terraform.tfstate' } } }, resource: { terraform_data: JSON.parse(text) } };
    fs.writeFileSync(path.join(workDirectory, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
  }

  function terraform(...args: string[]) {
    // `show` takes no -input.
    const result = spawnSync(TERRAFORM, [...args, '-no-color', ...(args[0] === 'show' ? [] : ['-input=false'])], {
      cwd: workDirectory,
      encoding: 'utf8',
      env: { ...fake.environment(), GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
    return { ...result, output: `${result.stdout}${result.stderr}` };
  }

  const versions = () => fake.state().galleryImages![LINE];
  const version = (v: string) => versions().find((x) => x.name === v);
  const stateAddresses = () => {
    const show = terraform('show', '-json');
    return (JSON.parse(show.stdout).values?.root_module?.resources ?? []).map((r: any) => r.address.split('.')[1].split('_')[1]).sort();
  };

  beforeAll(() => {
    synthesized = synthToDirectory('gallery', (stack) => {
      const vm = new GoldenVm(stack, 'BuildVm', {
        location: 'westeurope',
        resourceGroupName: 'rg-golden',
        vmName: 'vm-golden',
        computerName: 'golden01',
        image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(),
        setup: WindowsSetup.iisAspNet(),
        securityType: SecurityType.TRUSTED_LAUNCH,
      });
      const source = new GeneralizedImage(stack, 'Image', { vm });
      const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden', resourceGroupName: 'rg-images' });
      const galleryImage = new GalleryImage(stack, 'Web', { gallery, imageName: 'web-iis', securityType: ImageSecurityType.TRUSTED_LAUNCH });
      new GalleryImageVersion(stack, 'Version', { galleryImage, source, targetRegions: [{ location: 'northeurope' }] });
    });
    workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'gallery-terraform-'));
    fs.cpSync(path.join(synthesized.stackDirectory, 'assets'), path.join(workDirectory, 'assets'), { recursive: true });
  });

  beforeEach(() => {
    fake?.dispose();
    for (const file of ['terraform.tfstate', 'terraform.tfstate.backup']) {
      fs.rmSync(path.join(workDirectory, file), { force: true });
    }
    // The build VM, generalized; two earlier builds of the line, the newer one latest.
    fake = new FakeAz({
      power: 'deallocated',
      osState: 'generalized',
      guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE',
      resourceGroups: ['rg-images'],
      galleryImages: { [LINE]: [earlierVersion('2026.1001.120000', '20261001120000'), earlierVersion('2026.1101.120000', '20261101120000')] },
    });
    writeStack();
    if (!fs.existsSync(path.join(workDirectory, '.terraform'))) {
      expect(terraform('init').status).toBe(0);
    }
  });

  afterAll(() => {
    fake?.dispose();
    fs.rmSync(workDirectory, { recursive: true, force: true });
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  });

  test('a build: published excluded from latest, a canary in each region, then promoted; the newest 3 stay', () => {
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).toBe(0);
    expect(apply.output).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
    // Terraform ran them in the dependency order: publish, replicate, canary, promote (the operator program's steps as
    // its interpreter).
    const commands = ['"gallery-publish"]', '"gallery-replicate"]', '"gallery-canary"]', '"gallery-promote"]'];
    const order = commands.map((command) => apply.output.indexOf(command));
    expect(apply.output).toMatch(/\(local-exec\): Executing: \["node" "\.\/assets\/GoldenImageScripts\/[0-9A-F]+\/operator\/operator\.js" "gallery-publish"\]/);
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(version(VERSION)).toMatchObject({ provisioningState: 'Succeeded', excludeFromLatest: false, source: VM_ID });
    expect(versions().map((v) => v.name)).toEqual(['2026.1001.120000', '2026.1101.120000', VERSION]);
    const state = fake.state();
    expect(state.canaryChecks!.map((c) => c.location)).toEqual(['westeurope', 'northeurope']);
    expect(state.canaryVmsCreated).toHaveLength(2);
    expect(state.canaryVmsDeleted!.map((d) => d.name).sort()).toEqual([...state.canaryVmsCreated!].sort());
    expect(state.canaryVms ?? []).toEqual([]);
  });

  test('a failing canary fails the apply: the new version stays excluded, the previous one stays latest, nothing is promoted', () => {
    fake.update({ canaryFaults: { northeurope: 'wrong-name' } });
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).not.toBe(0);
    expect(apply.output).toMatch(/Error: local-exec provisioner error/);
    expect(apply.output).toContain('exit status 9');
    expect(version(VERSION)).toMatchObject({ excludeFromLatest: true });
    expect(version('2026.1101.120000')).toMatchObject({ excludeFromLatest: false });
    expect(fake.state().galleryVersionsDeleted ?? []).toEqual([]);
    // The canaries are gone; the publish and replication steps are in the state, the canary is tainted, no promotion.
    expect(fake.state().canaryVms ?? []).toEqual([]);
    expect(stateAddresses()).toEqual(['Canary', 'Publish', 'Replication', 'VersionLine']);

    // The cause fixed, the same deployment again: no second publish, the canary again, then the promotion.
    fake.update({ canaryFaults: {} });
    const created = fake.state().galleryVersionsCreated ?? [];
    const again = terraform('apply', '-auto-approve');
    expect(again.status).toBe(0);
    expect(again.output).toMatch(/Apply complete! Resources: 2 added, 0 changed, 1 destroyed\./);
    expect(fake.state().galleryVersionsCreated ?? []).toEqual(created);
    expect(version(VERSION)).toMatchObject({ excludeFromLatest: false });
    expect(stateAddresses()).toEqual(['Canary', 'Promote', 'Publish', 'Replication', 'VersionLine']);
  });

  test('a replication that fails in a region fails the apply at publish, naming replication and the region, not the build VM', () => {
    fake.update({ failReplication: { northeurope: 'The regional quota of replicas is exceeded.' } });
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).not.toBe(0);
    expect(apply.output).toContain('exit status 6');
    expect(apply.output).toContain(`publish: az sig image-version create failed. The replication of version ${VERSION} failed: replication failed in `
      + 'northeurope (The regional quota of replicas is exceeded.); replicated to westeurope (Azure\'s own error above).');
    expect(apply.output).not.toContain('The source must be the generalized build VM');
    expect(version(VERSION)).toMatchObject({ provisioningState: 'Failed', excludeFromLatest: true });
    // Nothing after the publication ran: no canary, no promotion; the publish step is tainted, to run again.
    expect(fake.state().canaryVmsCreated ?? []).toEqual([]);
    expect(stateAddresses()).toEqual(['Publish', 'VersionLine']);

    // The cause fixed, the same deployment again: the Failed version is deleted and published again, then the rest runs.
    fake.update({ failReplication: {} });
    const again = terraform('apply', '-auto-approve');
    expect(again.status).toBe(0);
    expect(fake.state().galleryVersionsDeleted).toEqual([VERSION]);
    expect(fake.state().galleryVersionsCreated).toEqual([VERSION, VERSION]);
    expect(version(VERSION)).toMatchObject({ provisioningState: 'Succeeded', excludeFromLatest: false });
  });

  test('destroy deletes every version of the line, and no other', () => {
    fake.update({
      galleryImages: { [LINE]: [...versions(), { ...earlierVersion('1.0.0', '00000000000000'), tags: { owner: 'someone else' } }] },
    });
    expect(terraform('apply', '-auto-approve').status).toBe(0);
    const destroy = terraform('destroy', '-auto-approve');
    expect(destroy.status).toBe(0);
    expect(versions().map((v) => v.name)).toEqual(['1.0.0']);
  });
});
