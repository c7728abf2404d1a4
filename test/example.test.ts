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

  test('synthesizes the build VM of the seed', () => {
    expect(json.image).toHaveResourceWithProperties(WindowsVirtualMachine, {
      source_image_reference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', version: 'latest' },
    });
  });

  test('chains the image stack by Terraform dependencies: setup -> generalize -> image -> copy', () => {
    const vm = only(image, 'azurerm_windows_virtual_machine', 'BuildVm_');
    const setup = only(image, 'azurerm_virtual_machine_extension', 'BuildVm_');
    const generalize = only(image, 'terraform_data', 'Image_Generalize');
    const captured = only(image, 'azurerm_image', 'Image_');
    const copy = only(image, 'azurerm_image', 'ImageCopy_');

    expect(setup.body.virtual_machine_id).toBe(`\${${vm.address}.id}`);
    expect(generalize.body.depends_on).toEqual([setup.address]);
    expect(generalize.body.triggers_replace).toBe(`\${${vm.address}.id}`);
    expect(captured.body.depends_on).toEqual([generalize.address]);
    expect(captured.body.source_virtual_machine_id).toBe(`\${${vm.address}.id}`);
    expect(captured.body.hyper_v_generation).toBe('V2');
    expect(copy.body.depends_on).toEqual([captured.address]);
    expect(copy.body.resource_group_name).toBe('${azurerm_resource_group.ImagesResourceGroup.name}');
    expect(copy.body.hyper_v_generation).toBe('V2');
    expect(image.output.image_id.value).toBe(`\${${copy.address}.id}`);
  });

  test('builds the fleet from the copy through the image stack\'s state: copy -> fleet', () => {
    const copy = only(image, 'azurerm_image', 'ImageCopy_');
    // cdktf exports the copy's id from the image stack ...
    const [exported] = Object.entries<any>(image.output).filter(([, o]) => o.value === `\${${copy.address}.id}` && o.sensitive);
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
