/**
 * examples/gallery-trusted-launch, synthesized as `cdktf synth` does: Trusted Launch from the build VM to the fleet,
 * through a gallery version replicated to two regions, with its canary before promotion.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { buildApp } from '../examples/gallery-trusted-launch/main';

function only(parsed: any, type: string, prefix: string): { address: string; body: any } {
  const names = Object.keys(parsed.resource[type] ?? {}).filter((n) => n.startsWith(prefix));
  expect(names).toHaveLength(1);
  return { address: `${type}.${names[0]}`, body: parsed.resource[type][names[0]] };
}

const environment = (step: { body: any }) => step.body.provisioner[0]['local-exec'].environment;

describe('examples/gallery-trusted-launch', () => {
  let outdir: string;
  let json: { image: string; fleet: string };
  let image: any;
  let fleet: any;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gallery-example-'));
    buildApp(new App({ outdir, stackTraces: false })).synth();
    const read = (stack: string) => fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
    json = { image: read('gallery-image'), fleet: read('gallery-fleet') };
    image = JSON.parse(json.image);
    fleet = JSON.parse(json.fleet);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('the build VM is Trusted Launch, generalized, and captured into no managed image', () => {
    const vm = only(image, 'azurerm_windows_virtual_machine', 'BuildVm_');
    expect(vm.body).toMatchObject({ secure_boot_enabled: true, vtpm_enabled: true, location: 'westeurope' });
    expect(vm.body.source_image_reference).toMatchObject({ sku: '2022-datacenter-core-g2' });
    expect(image.resource.azurerm_image).toBeUndefined();
    expect(Object.keys(image.resource.terraform_data).filter((n) => /Capture|ImageLine/.test(n))).toEqual([]);
    expect(environment(only(image, 'terraform_data', 'BuildVm_Setup')).GOLDEN_EXPECTED_SECURITY_TYPE).toBe('TrustedLaunch');
  });

  test('a TrustedLaunch V2 definition in a gallery of its own resource group, in the build VM\'s region', () => {
    const gallery = only(image, 'azurerm_shared_image_gallery', 'Gallery');
    const group = only(image, 'azurerm_resource_group', 'Gallery_ResourceGroup');
    expect(group.body).toMatchObject({ name: 'rg-gal_golden_web', location: 'westeurope' });
    expect(gallery.body).toMatchObject({ name: 'gal_golden_web', location: 'westeurope', resource_group_name: `\${${group.address}.name}` });
    expect(only(image, 'azurerm_shared_image', 'WebImage_').body).toMatchObject({
      name: 'web-iis', hyper_v_generation: 'V2', trusted_launch_enabled: true, os_type: 'Windows', gallery_name: `\${${gallery.address}.name}`,
    });
  });

  test('the version: published from the generalized VM, replicated to both regions, canaries in both, then promoted', () => {
    const vm = only(image, 'azurerm_windows_virtual_machine', 'BuildVm_');
    const generalize = only(image, 'terraform_data', 'Build_Generalize');
    const publish = only(image, 'terraform_data', 'Version_Publish');
    const replication = only(image, 'terraform_data', 'Version_Replication');
    const canary = only(image, 'terraform_data', 'Version_Canary');
    const promote = only(image, 'terraform_data', 'Version_Promote');
    expect(publish.body.depends_on).toContain(generalize.address);
    expect(environment(publish)).toMatchObject({
      GOLDEN_SOURCE_ID: `\${${vm.address}.id}`,
      // The fleet's 3 VMs in northeurope need one replica; so does the gallery's own region.
      GOLDEN_TARGET_REGIONS: 'westeurope=1=Standard_LRS\nnortheurope=1=Standard_LRS',
    });
    expect(replication.body.depends_on).toEqual([publish.address]);
    expect(canary.body.depends_on).toEqual([replication.address]);
    expect(environment(canary)).toMatchObject({ GOLDEN_CANARY_REGIONS: 'westeurope\nnortheurope', GOLDEN_CANARY_SECURITY_TYPE: 'TrustedLaunch' });
    expect(promote.body.depends_on).toEqual([canary.address]);
    expect(environment(promote)).toMatchObject({ GOLDEN_EXCLUDE_FROM_LATEST: 'false', GOLDEN_RETAIN_VERSIONS: '3' });
    expect(image.output.version_id.value).toBe(`\${${promote.address}.output.version_id}`);
  });

  test('the fleet: Trusted Launch VMs in northeurope from the promoted version, read from the image stack\'s state', () => {
    const promote = only(image, 'terraform_data', 'Version_Promote');
    const [exported] = Object.entries<any>(image.output).filter(([, o]) => o.value === `\${${promote.address}.output.version_id}` && o.sensitive);
    expect(exported).toBeDefined();
    const vms = only(fleet, 'azurerm_windows_virtual_machine', 'Fleet_');
    expect(vms.body).toMatchObject({
      source_image_id: `\${data.terraform_remote_state.cross-stack-reference-input-gallery-image.outputs.${exported[0]}}`,
      location: 'northeurope',
      secure_boot_enabled: true,
      vtpm_enabled: true,
    });
    expect(vms.body.lifecycle.create_before_destroy).toBe(true);
    expect(Object.keys(fleet.output).sort()).toEqual(['fleet_instance_names', 'fleet_private_ips', 'fleet_public_ips', 'fleet_urls']);
  });

  test('a larger fleet raises the replicas where it runs: 260 VMs in northeurope, 6 replicas', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gallery-example-260-'));
    try {
      buildApp(new App({ outdir: dir, stackTraces: false }), { fleetCount: 260 }).synth();
      const parsed = JSON.parse(fs.readFileSync(path.join(dir, 'stacks', 'gallery-image', 'cdk.tf.json'), 'utf8'));
      expect(environment(only(parsed, 'terraform_data', 'Version_Publish')).GOLDEN_TARGET_REGIONS)
        .toBe('westeurope=1=Standard_LRS\nnortheurope=6=Standard_LRS');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('matches the snapshots (drift fails in CI; update on purpose with `npx projen test:update`)', () => {
    expect(json.image).toMatchSnapshot('gallery-image stack');
    expect(json.fleet).toMatchSnapshot('gallery-fleet stack');
  });
});
