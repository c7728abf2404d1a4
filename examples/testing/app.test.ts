/**
 * How to test an app built from azure-golden-image's constructs: a guide for consumer teams, as tests of
 * ./app.ts. Copy what you need; every section says what to take away.
 *
 *   1. Snapshot a stack, and assert the facts you rely on: a snapshot is a guard, never the only assertion.
 *   2. Cross-stack references: `Testing.synth(stack)` alone renders them differently from `app.synth()`.
 *   3. The GoldenImageChecks aspect: assert its errors (app.synth() throws) and warnings (they don't).
 *   4. Keep snapshots stable: nothing machine-specific, the same JSON every time.
 *
 * Run (from the repository root):
 *   npx jest examples/testing
 * After a deliberate change, review the diff and update the snapshots with `--ci=false -u`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { AnnotationMetadataEntryType, App, TerraformStack, Testing } from 'cdktf';
// Types for cdktf's jest matchers (toHaveResourceWithProperties, ...); Testing.setupJest() registers them.
import 'cdktf/lib/testing/adapters/jest';
import { buildApp, TestingAppOptions, TestingAppStacks } from './app';
import { ImageFleet } from '../../lib';

Testing.setupJest();

// ---------------------------------------------------------------------------------------------------------------
// Helpers worth copying.
// ---------------------------------------------------------------------------------------------------------------

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * A fresh app per test. Testing.app() stubs the cdktf version ("stubbed") so that the snapshots do not change with
 * every cdktf release, and writes to a new temporary directory (removed after the tests). A fresh app matters:
 * every synthesis runs the aspects again (see section 3).
 */
function newApp(options?: TestingAppOptions): TestingAppStacks & { app: App } {
  const app = Testing.app();
  outdirs.push(app.outdir);
  return { app, ...buildApp(app, options) };
}

/**
 * Testing.synth(stack) after resolving the app's cross-stack references, as app.synth() does first
 * (`prepareStack()` on every stack; see section 2 for why).
 */
function synthStack(stack: TerraformStack): string {
  App.of(stack).node.findAll().filter(TerraformStack.isStack).forEach((s) => s.prepareStack());
  return Testing.synth(stack);
}

/** Runs app.synth() and returns every file it wrote (cdk.tf.json, manifest.json, assets), by relative path. */
function synthApp(app: App): Map<string, string> {
  app.synth();
  const files = new Map<string, string>();
  const walk = (dir: string): void => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(full);
    } else {
      files.set(path.relative(app.outdir, full), fs.readFileSync(full, 'utf8'));
    }
  });
  walk(app.outdir);
  return files;
}

/** A stack's cdk.tf.json as app.synth() wrote it. */
function stackJson(files: Map<string, string>, stackName: string): any {
  const text = files.get(path.join('stacks', stackName, 'cdk.tf.json'));
  if (text === undefined) {
    throw new Error(`app.synth() wrote no stacks/${stackName}/cdk.tf.json`);
  }
  return JSON.parse(text);
}

/** The annotations of one level on a stack's constructs, as `[path] message`, the form app.synth() throws. */
function annotations(stack: TerraformStack, level: AnnotationMetadataEntryType): string[] {
  return stack.node.findAll().flatMap((construct) => construct.node.metadata
    .filter((entry) => entry.type === level)
    .map((entry) => `[${construct.node.path}] ${entry.data}`));
}

/** Drops cdktf's "//" metadata blocks (construct paths, stack name, version), as Testing.synth does. */
function withoutMetadata(node: any): any {
  if (Array.isArray(node)) {
    return node.map(withoutMetadata);
  }
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).filter(([key]) => key !== '//').map(([key, value]) => [key, withoutMetadata(value)]));
  }
  return node;
}

/** The name of the one resource of `type` whose name starts with `prefix` (cdktf appends a hash to nested ids). */
function resourceName(json: any, type: string, prefix: string): string {
  const names = Object.keys(json.resource?.[type] ?? {}).filter((name) => name.startsWith(prefix));
  expect(names).toHaveLength(1);
  return names[0];
}

function fleetVm(json: any): any {
  return json.resource.azurerm_windows_virtual_machine[resourceName(json, 'azurerm_windows_virtual_machine', 'Fleet_VirtualMachine_')];
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Snapshot a stack, and assert what you rely on.
// ---------------------------------------------------------------------------------------------------------------

describe('1. snapshot testing a stack', () => {
  test('the image stack: a snapshot as a guard, plus the facts the team relies on', () => {
    const { images } = newApp();
    const json = synthStack(images);

    // The snapshot catches every change, wanted or not: review its diff like code. It records the providers' versions
    // and the hash of the library's operator scripts too, so an upgrade shows up here first.
    expect(json).toMatchSnapshot();

    // A snapshot says "something changed", not "this must hold": assert the facts that matter explicitly, so that a
    // careless `jest -u` cannot approve their loss.
    expect(json).toHaveResourceWithProperties(ResourceGroup, { name: 'rg-testing-images', location: 'westeurope' });
    expect(json).toHaveResourceWithProperties(WindowsVirtualMachine, {
      name: 'vm-testing-build',
      // Standard security type: Azure refuses managed images of Trusted Launch VMs.
      secure_boot_enabled: false,
      vtpm_enabled: false,
      // The build VM goes into the group this app creates, not a group that must already exist.
      resource_group_name: '${azurerm_resource_group.BuildResourceGroup.name}',
    });
    // cdktf's matchers compare snake_case keys as they are in the JSON (camelCase props do not match with jest).
    expect(json).not.toHaveResourceWithProperties(WindowsVirtualMachine, { secureBootEnabled: false });
    // No public IP on the build VM unless asked for (section 3 asks for one).
    expect(json).not.toHaveResource(PublicIp);

    // Or parse the JSON, for anything the matchers cannot say.
    const parsed = JSON.parse(json);
    const nsgs = Object.values<any>(parsed.resource.azurerm_network_security_group);
    expect(nsgs.map((nsg) => nsg.security_rule)).toEqual([[]]); // the build VM's network: no inbound rule at all
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Cross-stack references: Testing.synth(stack) versus app.synth().
//
// The web stack uses the image stack's `copy.imageId`. app.synth() first runs `prepareStack()` on every stack, which
// turns such a reference into an output of the image stack and a `terraform_remote_state` read in the web stack.
// Testing.synth(stack) skips that step: it leaves the raw reference to the other stack's resource, which does not
// exist in the web stack (Terraform would refuse it), and the image stack misses the output.
//
// Recommendation: snapshot what app.synth() writes (stacks/<name>/cdk.tf.json, what `cdktf deploy` uses), or call
// `prepareStack()` on every stack before Testing.synth (the `synthStack` helper above): both give the same JSON.
// Never snapshot Testing.synth of a stack on either side of a cross-stack reference without preparing it.
// ---------------------------------------------------------------------------------------------------------------

describe('2. cross-stack references', () => {
  test('Testing.synth(webStack) alone: the fleet points at the other stack\'s resource, with no remote state', () => {
    const { images, web } = newApp();
    const webJson = JSON.parse(Testing.synth(web));
    const imagesJson = JSON.parse(Testing.synth(images));
    const capture = resourceName(imagesJson, 'terraform_data', 'ImageCopy_Capture_');

    expect(fleetVm(webJson).source_image_id).toBe(`\${terraform_data.${capture}.output.image_id}`);
    // ...a resource of the image stack, not of this one: the web stack's JSON is not valid Terraform on its own.
    expect(Object.keys(webJson.resource.terraform_data)).not.toContain(capture);
    expect(webJson.data).toBeUndefined();
    // And the image stack has no output for the web stack to read.
    expect(imagesJson.output).toBeUndefined();
  });

  test('app.synth(): the fleet reads the image stack\'s output through data.terraform_remote_state (snapshot this)', () => {
    const { app } = newApp();
    const files = synthApp(app);
    const webJson = stackJson(files, 'testing-web');
    const imagesJson = stackJson(files, 'testing-images');
    const capture = resourceName(imagesJson, 'terraform_data', 'ImageCopy_Capture_');

    // The image stack gets one output: the image id, marked sensitive by cdktf.
    const outputNames = Object.keys(imagesJson.output);
    expect(outputNames).toEqual([expect.stringMatching(/^cross-stack-output-/)]);
    expect(imagesJson.output[outputNames[0]]).toEqual({ value: `\${terraform_data.${capture}.output.image_id}`, sensitive: true });

    // The web stack reads it from the image stack's state, by the relative path of the image stack's LocalBackend.
    expect(fleetVm(webJson).source_image_id)
      .toBe(`\${data.terraform_remote_state.cross-stack-reference-input-testing-images.outputs.${outputNames[0]}}`);
    expect(webJson.data.terraform_remote_state).toEqual({
      'cross-stack-reference-input-testing-images': {
        backend: 'local',
        config: { path: '../testing-images/terraform.tfstate' },
        workspace: '${terraform.workspace}',
      },
    });
    // ...and cdktf deploys the image stack first.
    expect(JSON.parse(files.get('manifest.json')!).stacks['testing-web'].dependencies).toEqual(['testing-images']);

    expect(webJson).toMatchSnapshot();
  });

  test('prepareStack() on every stack first: Testing.synth gives what app.synth() writes, for both stacks', () => {
    const prepared = newApp();
    const viaTesting = {
      images: JSON.parse(synthStack(prepared.images)),
      web: JSON.parse(synthStack(prepared.web)),
    };
    const files = synthApp(newApp().app);
    expect(viaTesting).toEqual({
      images: withoutMetadata(stackJson(files, 'testing-images')),
      web: withoutMetadata(stackJson(files, 'testing-web')),
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. The GoldenImageChecks aspect: errors and warnings.
//
// The checks add annotations to constructs. app.synth() (and `cdktf synth`) throws when any is an error, listing each
// as `[construct path] message`. Testing.synth(stack) runs the aspects too, but never throws for annotations (not even
// with its second argument, `runValidations`, which runs construct validations, not annotations): read them from the
// constructs' `node.metadata` (the `annotations` helper above). Every synthesis runs the aspects again and adds its
// annotations again: count them after exactly one synthesis of a fresh app.
// ---------------------------------------------------------------------------------------------------------------

/** The app with a rule of the team's own on the fleet's NSG, opening RDP to the whole Internet. */
function appWithOpenRdp(): TestingAppStacks & { app: App } {
  const built = newApp();
  const fleet = built.web.node.findAll().find((c): c is ImageFleet => c instanceof ImageFleet)!;
  new NetworkSecurityRule(built.web, 'AllowRdp', {
    name: 'allow-rdp',
    resourceGroupName: fleet.networkSecurityGroup.resourceGroupName,
    networkSecurityGroupName: fleet.networkSecurityGroup.name,
    priority: 200,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '3389',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
  });
  return built;
}

const OPEN_RDP = /\[testing-web\/AllowRdp\] \[GoldenImage:ManagementPortOpen\] NSG rule 'allow-rdp' allows RDP \(3389\) from any source \('\*'\)/;

describe('3. asserting the aspect\'s errors and warnings', () => {
  test('app.synth() throws for an NSG rule of yours that opens RDP to the Internet, and not without it', () => {
    expect(() => appWithOpenRdp().app.synth()).toThrow(OPEN_RDP);
    expect(() => newApp().app.synth()).not.toThrow();
  });

  test('Testing.synth returns the JSON and leaves the errors on the constructs, to read without throwing', () => {
    const { web } = appWithOpenRdp();
    let json = '';
    expect(() => { json = Testing.synth(web, /* runValidations */ true); }).not.toThrow();
    expect(json).toHaveResourceWithProperties(NetworkSecurityRule, { name: 'allow-rdp', destination_port_range: '3389' });
    expect(annotations(web, AnnotationMetadataEntryType.ERROR)).toEqual([expect.stringMatching(OPEN_RDP)]);
    // The whole-app synthesis of the same stack does throw (Testing.fullSynth(stack) too).
    expect(() => Testing.fullSynth(web)).toThrow(OPEN_RDP);
  });

  test('every synthesis runs the aspects again: read annotations after exactly one', () => {
    const { web } = appWithOpenRdp();
    Testing.synth(web);
    expect(annotations(web, AnnotationMetadataEntryType.ERROR)).toHaveLength(1);
    Testing.synth(web);
    expect(annotations(web, AnnotationMetadataEntryType.ERROR)).toHaveLength(2);
  });

  test('a build VM with a public IP gets a warning, which does not fail the synthesis', () => {
    const withIp = newApp({ buildVmPublicIp: true });
    Testing.synth(withIp.images);
    expect(annotations(withIp.images, AnnotationMetadataEntryType.WARN))
      .toEqual([expect.stringMatching(/^\[testing-images\/BuildVm\] \[GoldenImage:BuildVmPublicIp\] the build VM has a public IP/)]);

    // app.synth() passes, and records the warnings in manifest.json (`cdktf synth` prints them from there).
    const withIpAgain = newApp({ buildVmPublicIp: true });
    const manifest = JSON.parse(synthApp(withIpAgain.app).get('manifest.json')!);
    expect(manifest.stacks['testing-images'].annotations).toEqual([
      { constructPath: 'testing-images/BuildVm', level: AnnotationMetadataEntryType.WARN, message: expect.stringContaining('[GoldenImage:BuildVmPublicIp]') },
    ]);

    // Without the public IP: no warning at all.
    const { images } = newApp();
    Testing.synth(images);
    expect(annotations(images, AnnotationMetadataEntryType.WARN)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 4. Keeping snapshots stable: a snapshot that changes on another machine, or on a second run, is noise that teams
// learn to approve blindly. Check both once, for everything you snapshot and everything app.synth() writes.
// ---------------------------------------------------------------------------------------------------------------

describe('4. keeping snapshots stable', () => {
  /** Everything a test run produces: both stacks via Testing.synth (prepared), and every file of app.synth(). */
  function everything(): Map<string, string> {
    const { images, web } = newApp();
    const all = new Map([['Testing.synth images', synthStack(images)], ['Testing.synth web', synthStack(web)]]);
    const { app } = newApp();
    synthApp(app).forEach((text, file) => all.set(file, text));
    return all;
  }

  test('nothing machine-specific: no absolute path, home or temporary directory, no timestamp', () => {
    const all = everything();
    expect(all.size).toBeGreaterThan(4); // both stacks, the manifest, the operator scripts
    // A path inside the temp directory, not its name: the operator scripts name POSIX's default ('/tmp when unset').
    const needles = [process.cwd(), path.resolve(__dirname, '..', '..'), os.homedir(), path.join(os.tmpdir(), path.sep), ...outdirs];
    for (const [file, text] of all) {
      for (const needle of needles) {
        expect({ file, found: text.includes(needle) }).toEqual({ file, found: false });
      }
      expect({ file, timestamp: /20\d\d-\d\d-\d\dT\d\d:\d\d/.test(text) }).toEqual({ file, timestamp: false });
    }
  });

  test('the same JSON twice, from two fresh apps', () => {
    expect([...everything()]).toEqual([...everything()]);
  });
});
