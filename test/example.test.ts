import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { App } from 'cdktf';
import { buildApp } from '../examples/golden-image/main';

/** Both stacks of the bundled example, synthesized as `npx cdktf synth` does, as text. */
function synthExample(outdir: string): { image: string; fleet: string } {
  buildApp(new App({ outdir, stackTraces: false })).synth();
  const read = (stack: string) => fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
  return { image: read('golden-image'), fleet: read('golden-fleet') };
}

function only(parsed: any, type: string, prefix: string): { address: string; body: any } {
  const names = Object.keys(parsed.resource[type] ?? {}).filter((n) => n.startsWith(prefix));
  expect(names).toHaveLength(1);
  return { address: `${type}.${names[0]}`, body: parsed.resource[type][names[0]] };
}

describe('examples/golden-image', () => {
  let outdir: string;
  let json: { image: string; fleet: string };
  let image: any;
  let fleet: any;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-example-'));
    json = synthExample(outdir);
    image = JSON.parse(json.image);
    fleet = JSON.parse(json.fleet);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes the build VM of the seed, from the newest marketplace version resolved at plan time', () => {
    const lookup = only(image, 'terraform_data', 'BuildVm_BuildSpec');
    expect(image.data.azurerm_platform_image).toBeDefined();
    const [versionLookup] = Object.keys(image.data.azurerm_platform_image);
    expect(json.image).toHaveResourceWithProperties(WindowsVirtualMachine, {
      source_image_reference: {
        publisher: 'MicrosoftWindowsServer',
        offer: 'WindowsServer',
        sku: '2022-datacenter-core-g2',
        version: `\${data.azurerm_platform_image.${versionLookup}.version}`,
      },
    });
    expect(lookup.body.triggers_replace.source_image_reference.version).toBe(`\${data.azurerm_platform_image.${versionLookup}.version}`);
  });

  test('hangs no Terraform resource on the build VM and freezes it', () => {
    expect(Object.keys(image.resource)).not.toContain('azurerm_virtual_machine_extension');
    expect(Object.keys(image.resource)).not.toContain('azurerm_virtual_machine_run_command');
    const vm = only(image, 'azurerm_windows_virtual_machine', 'BuildVm_');
    const spec = only(image, 'terraform_data', 'BuildVm_BuildSpec');
    expect(vm.body.lifecycle).toEqual({ ignore_changes: 'all', replace_triggered_by: [spec.address] });
  });

  test('chains the image stack by Terraform dependencies: setup -> generalize -> capture -> copy, each build named by its revision', () => {
    const vm = only(image, 'azurerm_windows_virtual_machine', 'BuildVm_');
    const revision = only(image, 'terraform_data', 'BuildVm_BuildRevision');
    const setup = only(image, 'terraform_data', 'BuildVm_Setup');
    const generalize = only(image, 'terraform_data', 'Image_Generalize');
    const captured = only(image, 'terraform_data', 'Image_Capture');
    const copy = only(image, 'terraform_data', 'ImageCopy_Capture');

    expect(setup.body.triggers_replace).toBe(`\${${vm.address}.id}`);
    expect(generalize.body.depends_on).toEqual([setup.address]);
    expect(generalize.body.triggers_replace).toBe(`\${${vm.address}.id}`);
    expect(captured.body.depends_on).toEqual([only(image, 'terraform_data', 'Image_ImageLine').address, generalize.address]);
    expect(captured.body.input).toMatchObject({
      image_name: `img-golden-web-\${${revision.address}.output}`,
      source_virtual_machine_id: `\${${vm.address}.id}`,
      hyper_v_generation: 'V2',
    });
    expect(copy.body.depends_on).toEqual([only(image, 'terraform_data', 'ImageCopy_ImageLine').address, captured.address]);
    expect(copy.body.input).toMatchObject({
      image_name: `img-golden-web-\${${revision.address}.output}`,
      resource_group_name: '${azurerm_resource_group.ImagesResourceGroup.name}',
      source_disk_id: `\${${vm.address}.os_disk[0].id}`,
      hyper_v_generation: 'V2',
    });
    expect(image.output.image_id.value).toBe(`\${${copy.address}.output.image_id}`);
  });

  test('builds the fleet from the copy through the image stack\'s state: copy -> fleet', () => {
    const copy = only(image, 'terraform_data', 'ImageCopy_Capture');
    // cdktf exports the copy's id from the image stack ...
    const [exported] = Object.entries<any>(image.output).filter(([, o]) => o.value === `\${${copy.address}.output.image_id}` && o.sensitive);
    expect(exported).toBeDefined();
    // ... and the fleet stack reads it from that stack's state file, by a relative path valid from its own directory.
    expect(fleet.data.terraform_remote_state['cross-stack-reference-input-golden-image']).toMatchObject({
      backend: 'local', config: { path: '../golden-image/terraform.tfstate' },
    });
    const vms = only(fleet, 'azurerm_windows_virtual_machine', 'Fleet_');
    expect(vms.body.source_image_id).toBe(`\${data.terraform_remote_state.cross-stack-reference-input-golden-image.outputs.${exported[0]}}`);
    expect(vms.body.resource_group_name).toBe('${azurerm_resource_group.AppResourceGroup.name}');
    expect(vms.body.lifecycle.create_before_destroy).toBe(true);
    // The seed's `--count 3`: web0001..web0003, one for_each block however many there are.
    expect(JSON.stringify(fleet.locals)).toContain('range(1, 4, 1)');
    expect(Object.keys(fleet.output)).toEqual(expect.arrayContaining(['fleet_urls', 'fleet_public_ips']));
  });

  test('matches the snapshots (drift fails in CI; update on purpose with `npx projen test:update`)', () => {
    expect(json.image).toMatchSnapshot('golden-image stack');
    expect(json.fleet).toMatchSnapshot('golden-fleet stack');
  });
});
