import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { App, Testing } from 'cdktf';
import { buildApp, GoldenImageStack } from '../examples/golden-image/main';

function synthExample(outdir: string): string {
  const app = buildApp(new App({ outdir, stackTraces: false }));
  app.synth();
  return fs.readFileSync(path.join(outdir, 'stacks', 'golden-image', 'cdk.tf.json'), 'utf8');
}

describe('examples/golden-image', () => {
  let outdir: string;
  let json: string;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-example-'));
    json = synthExample(outdir);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes the build VM of the seed', () => {
    expect(json).toHaveResourceWithProperties(WindowsVirtualMachine, {
      source_image_reference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', version: 'latest' },
    });
  });

  test('chains every stage by Terraform dependencies: setup -> generalize -> image -> copy -> fleet', () => {
    const parsed = JSON.parse(json);
    const r = parsed.resource;
    const only = (type: string, prefix: string) => {
      const names = Object.keys(r[type]).filter((n) => n.startsWith(prefix));
      expect(names).toHaveLength(1);
      return { address: `${type}.${names[0]}`, body: r[type][names[0]] };
    };
    const vm = only('azurerm_windows_virtual_machine', 'BuildVm_');
    const setup = only('azurerm_virtual_machine_extension', 'BuildVm_');
    const generalize = only('terraform_data', 'Image_Generalize');
    const image = only('azurerm_image', 'Image_');
    const copy = only('azurerm_image', 'ImageCopy_');
    const fleet = only('azurerm_windows_virtual_machine', 'Fleet_');

    expect(setup.body.virtual_machine_id).toBe(`\${${vm.address}.id}`);
    expect(generalize.body.depends_on).toEqual([setup.address]);
    expect(generalize.body.triggers_replace).toBe(`\${${vm.address}.id}`);
    expect(image.body.depends_on).toEqual([generalize.address]);
    expect(image.body.source_virtual_machine_id).toBe(`\${${vm.address}.id}`);
    expect(image.body.hyper_v_generation).toBe('V2');
    expect(copy.body.depends_on).toEqual([image.address]);
    expect(copy.body.resource_group_name).toBe('${azurerm_resource_group.ImagesResourceGroup.name}');
    expect(copy.body.hyper_v_generation).toBe('V2');
    expect(fleet.body.source_image_id).toBe(`\${${copy.address}.id}`);
    expect(fleet.body.resource_group_name).toBe('${azurerm_resource_group.AppResourceGroup.name}');
    // The seed's `--count 3`: web001..web003, one for_each block however many there are.
    expect(parsed.locals[fleet.body.for_each.replace(/^\$\{local\.|\}$/g, '')]).toContain('range(1, 4, 1)');
    expect(Object.keys(parsed.output)).toEqual(expect.arrayContaining(['image_id', 'fleet_urls', 'fleet_public_ips']));
  });

  // Secrets, machine-specific content and determinism of every example: test/examples.test.ts.

  test('matches the snapshot (drift fails in CI; update on purpose with `npx projen test:update`)', () => {
    const stack = new GoldenImageStack(Testing.app(), 'golden-image', { location: 'westeurope', fleetCount: 3 });
    expect(Testing.synth(stack)).toMatchSnapshot();
  });
});
