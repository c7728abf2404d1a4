/**
 * The bundled gallery-trusted-launch example (examples/gallery-trusted-launch/main.ts) deployed end to end to the local
 * Azure (issue 25), and its day 2 as the real azurerm provider decides it: its two stacks synthesized unmodified,
 * applied by real Terraform with the real azurerm and random providers (reaching the local Azure through the ARM_*
 * variables the provider reads), their local-exec steps run by the operator with the real Azure CLI 2.74 logged in to it
 * (test/local-azure/az-cli.ts). `gallery-image`: a Trusted Launch build VM set up in its guest (IIS, the machine-name
 * page, the smoke test: pwsh with stand-ins for Windows and IIS), generalized, published to the TrustedLaunch
 * definition, replicated to both regions, a canary per region (`az vm create` from the version: an ARM template
 * deployment), then promoted; `gallery-fleet`: three Trusted Launch VMs from the version, whose pages the fleet's
 * verification fetches.
 *
 * Day 2, each change planned by the real provider from the real state (`LocalDeployment.plan`), the expected addresses
 * derived from the synthesized JSON by type and construct path (test/local-azure/stack-resources.ts):
 * - a second plan of either stack changes nothing;
 * - the definition replaced (an edited copy of the deployed JSON: a new identifier, planned only): the version line
 *   (whose destroy deletes the versions: Azure refuses to delete a definition that has versions) and every version
 *   step are replaced with it, the build is not;
 * - a rebuild (the page title): the build and the version's steps replaced, the line, gallery and definition kept; a
 *   higher version published beside the old one, replicated, canaried, promoted; then the fleet replaced new VMs before
 *   old onto it;
 * - 3 -> 5 VMs: the image stack untouched (5 VMs need no more replicas), the fleet grows; 5 -> 160 VMs: only the
 *   replication runs again, northeurope's replicas 1 -> 4 in the local Azure (one per 50 VMs), the fleet planned only;
 * - destroy, the fleet then the image stack: nothing is left, the versions deleted before their definition (the local
 *   Azure refuses the definition's deletion while it has versions: 409 CannotDeleteResource).
 * Each phase is checked by what the local Azure holds afterwards.
 */
import { App } from 'cdktf';
import { localAzureOptions } from './local-azure/deploy-local';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { Json } from './local-azure/http';
import { actionsOf, NO_CHANGES } from './local-azure/plan-summary';
import { addressesOf, addressOf, readStack, resourceAt, resourcesOf, withEditedStack } from './local-azure/stack-resources';
import { describeWithPwsh } from './powershell/pwsh';
import { fleetInstanceNames } from './util/fleet';
import { describeWithCurrentAz } from './util/tools';
import { buildApp, BuildAppOptions } from '../examples/gallery-trusted-launch/main';

const APPLY_TIMEOUT_MS = 30 * 60_000;
const VERSION_TYPE = 'Microsoft.Compute/galleries/images/versions';
const DEFINITION_TYPE = 'Microsoft.Compute/galleries/images';
const IMAGE_STACK = 'gallery-image';
const FLEET_STACK = 'gallery-fleet';
const REBUILT_TITLE = 'Golden image web server, build 2';
/** The example's fleet, the one day 2 grows it to, and one that needs more replicas: one per 50 VMs of a region. */
const COUNT = 3;
const BIG_COUNT = 5;
const HUGE_COUNT = 160;
/** The version's steps, in the order they run. */
const VERSION_CHAIN = ['Version/Publish', 'Version/Replication', 'Version/Canary', 'Version/Promote'];

const app = (options: BuildAppOptions) => (scope: App) => buildApp(scope, options);
/** A version name `X.Y.Z` as numbers, to compare as Azure orders versions. */
const versionNumbers = (id: string) => id.split('/').pop()!.split('.').map(Number);
const newerThan = (a: string, b: string) => {
  const [x, y] = [versionNumbers(a), versionNumbers(b)];
  return (x.map((n, i) => n - y[i]).find((d) => d !== 0) ?? 0) > 0;
};

describeWithCurrentAz('the gallery-trusted-launch example on the local Azure, by Terraform, with the real Azure CLI', () => {
  describeWithPwsh('gallery-image, then gallery-fleet; day 2 planned by the real provider, rebuilt and rolled out, grown; destroyed', () => {
    // Public IPs on loopback addresses of this run's own, where the VMs' pages answer (guest-web.ts).
    const azure = underLocalAzure(localAzureOptions(), APPLY_TIMEOUT_MS,
      async () => LocalDeployment.prepare(app({}), [IMAGE_STACK, FLEET_STACK]), (deployment) => deployment.dispose());
    const local = () => azure.running.azure;
    const deployment = () => azure.prepared;
    const run = () => ({ signal: azure.stopping, environment: { GOLDEN_RETRY_BASE_SECONDS: '1' } });
    const plan = (stack: string) => deployment().plan(azure, stack, run());
    /** Applies one stack, which must say nothing on stderr. */
    async function apply(stack: string) {
      const [applied] = await deployment().apply(azure, run(), [stack]);
      expect(applied.stderr).toBe('');
      return applied;
    }
    const stackJson = (stack: string) => readStack(deployment().directory(stack));
    const image = (p: string) => resourceAt(stackJson(IMAGE_STACK), p);
    const ofType = (type: string) => local().resources().filter((r) => r.type === type).map((r) => r.id);
    const resource = (id: string): Json => local().resource(id)!;
    const fleetVms = () => ofType('Microsoft.Compute/virtualMachines').filter((id) => id.includes('/rg-gallery-app/'));
    /** Each region's replica count of a version, as the local Azure holds it. */
    const replicas = (versionId: string) => Object.fromEntries(resource(versionId).properties.publishingProfile.targetRegions
      .map((region: Json) => [region.name, region.regionalReplicaCount]));
    /** The canary VMs made so far (one per region and version, by az vm create's template deployment). */
    const canaries = () => local().requests.filter((r) => r.method === 'PUT' && r.kind === 'Microsoft.Compute/virtualMachines' && r.status === 201)
      .map((r) => r.path.split('/').pop()!).filter((name) => /^c/.test(name));
    /** The fleet's resources made once per VM, and its steps. */
    const perInstance = () => resourcesOf(stackJson(FLEET_STACK)).filter((r) => r.body.for_each !== undefined);
    const fleetSteps = () => resourcesOf(stackJson(FLEET_STACK)).filter((r) => r.type === 'terraform_data');
    let firstVersion = '';
    let secondVersion = '';

    test('gallery-image: the Trusted Launch build set up, generalized, published, replicated, canaried in each region, promoted', async () => {
      const applied = await apply(IMAGE_STACK);

      const [vmId] = ofType('Microsoft.Compute/virtualMachines');
      expect(resource(vmId)).toMatchObject({ name: 'vm-gallery-build', properties: { securityProfile: { securityType: 'TrustedLaunch' } } });
      expect(await azure.cli.json(['vm', 'get-instance-view', '--ids', vmId, '--query', 'instanceView.statuses[].code']))
        .toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
      // No managed image: Azure refuses one of a Trusted Launch VM.
      expect(ofType('Microsoft.Compute/images')).toEqual([]);

      [firstVersion] = ofType(VERSION_TYPE);
      // X.Y.Z: the build revision's YYYY, MMDD and hhmmss as numbers, without leading zeros (2026.315.93308).
      expect(firstVersion).toMatch(/\/galleries\/gal_golden_web\/images\/web-iis\/versions\/\d{4}\.\d{1,4}\.\d{1,6}$/);
      expect(resource(firstVersion).properties).toMatchObject({
        provisioningState: 'Succeeded',
        publishingProfile: {
          targetRegions: [{ name: 'West Europe', regionalReplicaCount: 1 }, { name: 'North Europe', regionalReplicaCount: 1 }],
          // The canaries passed: promoted.
          excludeFromLatest: false,
        },
        storageProfile: { source: { virtualMachineId: vmId } },
      });
      expect(resource(firstVersion.replace(/\/versions\/.*$/, '')).properties).toMatchObject({
        hyperVGeneration: 'V2', features: [{ name: 'SecurityType', value: 'TrustedLaunch' }],
      });
      // The version the promote step names is the one the fleet reads, across the stacks.
      expect((await deployment().outputs(IMAGE_STACK)).version_id.toLowerCase()).toBe(firstVersion.toLowerCase());
      // The canaries were made (one per region) and are gone with their networks.
      expect(canaries()).toHaveLength(2);
      expect(ofType('Microsoft.Compute/virtualMachines')).toEqual([vmId]);
      expect(applied.stdout).toMatch(/the canary passed/);
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('gallery-fleet: three Trusted Launch VMs in northeurope from the version, each answering its URL with its own name; '
      + 'a second plan of either stack changes nothing', async () => {
      await apply(FLEET_STACK);
      const fleet = fleetVms();
      // Each VM's name carries the rollout's suffix; its computer name is the instance's name.
      expect(fleet.map((id) => resource(id).properties.osProfile.computerName).sort()).toEqual(fleetInstanceNames(COUNT));
      for (const id of fleet) {
        expect(resource(id)).toMatchObject({
          name: expect.stringMatching(new RegExp(`^${resource(id).properties.osProfile.computerName}-[0-9a-f]+$`)),
          location: 'northeurope',
          properties: { securityProfile: { securityType: 'TrustedLaunch' }, storageProfile: { imageReference: { id: firstVersion } } },
        });
      }
      // What the fleet's verification fetched, as a browser would: each VM's page, with its own name.
      const urls: { [name: string]: string } = (await deployment().outputs(FLEET_STACK)).fleet_urls;
      for (const [name, url] of Object.entries(urls)) {
        expect(await (await fetch(url)).text()).toContain(name.toUpperCase());
      }
      for (const stack of [IMAGE_STACK, FLEET_STACK]) {
        expect([stack, actionsOf(await plan(stack))]).toEqual([stack, NO_CHANGES]);
      }
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('the definition replaced (a new identifier, planned only): the version line and every version step go with it, '
      + 'the build stays', async () => {
      const definition = addressOf(image('WebImage/Definition'));
      const replaced = await withEditedStack(deployment().directory(IMAGE_STACK), (stack) => {
        resourceAt(stack, 'WebImage/Definition').body.identifier.sku = 'gen2-trustedlaunch-v2';
      }, () => plan(IMAGE_STACK));
      expect(actionsOf(replaced)).toEqual({
        ...NO_CHANGES, replace: addressesOf(['WebImage/Definition', 'Version/VersionLine', ...VERSION_CHAIN].map(image)),
      });
      expect(replaced.replacePaths[definition]).toEqual(['identifier.0.sku']);
      // The line's destroy deletes every version (gallery-delete-all) before the definition goes: it references the
      // definition, so Terraform destroys it first; both destroyed before they are made again.
      expect(replaced.replaceOrder[definition]).toBe('destroy-before-create');
      expect(replaced.replaceOrder[addressOf(image('Version/VersionLine'))]).toBe('destroy-before-create');
      expect(image('Version/VersionLine').body.triggers_replace.gallery_image_resource_id).toBe(`\${${definition}.id}`);
    }, APPLY_TIMEOUT_MS);

    test('a rebuild (page title changed): the build and the version\'s steps replaced; a higher version published beside the '
      + 'old one, replicated, canaried, promoted; the fleet replaced new VMs before old onto it', async () => {
      const fleetBefore = stackJson(FLEET_STACK);
      deployment().resynthesize(app({ pageTitle: REBUILT_TITLE }));
      expect(stackJson(FLEET_STACK)).toEqual(fleetBefore);

      // Exactly the build and the version's steps; the VersionLine (whose replacement would delete every kept version),
      // the gallery, the definition and the network stay.
      const rebuilt = resourcesOf(stackJson(IMAGE_STACK)).filter((r) => r.type === 'azurerm_windows_virtual_machine'
        || (r.type === 'terraform_data' && r.path !== 'Version/VersionLine'));
      expect(rebuilt.map((r) => r.path).sort()).toEqual([
        'Build/Generalize', 'BuildVm/BaseImageCheck', 'BuildVm/BuildRevision', 'BuildVm/BuildSpec', 'BuildVm/Setup', 'BuildVm/VirtualMachine',
        ...VERSION_CHAIN,
      ].sort());
      expect(actionsOf(await plan(IMAGE_STACK))).toEqual({ ...NO_CHANGES, replace: addressesOf(rebuilt) });
      await apply(IMAGE_STACK);

      // A new version beside the old one, higher, replicated to both regions, canaried in each, promoted.
      const versions = ofType(VERSION_TYPE);
      expect(versions).toHaveLength(2);
      expect(versions).toContain(firstVersion);
      secondVersion = versions.find((id) => id !== firstVersion)!;
      expect(newerThan(secondVersion, firstVersion)).toBe(true);
      expect(resource(secondVersion).properties).toMatchObject({ provisioningState: 'Succeeded', publishingProfile: { excludeFromLatest: false } });
      expect(replicas(secondVersion)).toEqual({ 'West Europe': 1, 'North Europe': 1 });
      expect(canaries()).toHaveLength(4);
      expect((await deployment().outputs(IMAGE_STACK)).version_id.toLowerCase()).toBe(secondVersion.toLowerCase());

      // The fleet: every VM with its NIC, public IP and NSG association replaced, the new made before the old go.
      const keys = fleetInstanceNames(COUNT);
      const rollout = await plan(FLEET_STACK);
      expect(actionsOf(rollout)).toEqual({ ...NO_CHANGES, replace: addressesOf([...perInstance(), ...fleetSteps()], keys) });
      for (const address of addressesOf(perInstance(), keys)) {
        expect([address, rollout.replaceOrder[address]]).toEqual([address, 'create-before-destroy']);
      }
      const old = fleetVms();
      await apply(FLEET_STACK);
      const fleet = fleetVms();
      expect(fleet.filter((id) => old.includes(id))).toEqual([]);
      expect(fleet.map((id) => resource(id).properties.storageProfile.imageReference.id)).toEqual(keys.map(() => secondVersion));
      const urls: { [name: string]: string } = (await deployment().outputs(FLEET_STACK)).fleet_urls;
      for (const [name, url] of Object.entries(urls)) {
        const page = await (await fetch(url)).text();
        expect([name, page]).toEqual([name, expect.stringContaining(REBUILT_TITLE)]);
        expect(page).toContain(name.toUpperCase());
      }
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test(`fleet ${COUNT} -> ${BIG_COUNT} VMs: the image stack untouched (no more replicas), the fleet grows; `
      + `${BIG_COUNT} -> ${HUGE_COUNT}: only the replication again, 4 replicas in northeurope`, async () => {
      deployment().resynthesize(app({ pageTitle: REBUILT_TITLE, fleetCount: BIG_COUNT }));
      expect(actionsOf(await plan(IMAGE_STACK))).toEqual(NO_CHANGES);
      const grown = await plan(FLEET_STACK);
      expect(actionsOf(grown)).toEqual({
        ...NO_CHANGES,
        create: addressesOf(perInstance(), fleetInstanceNames(BIG_COUNT, COUNT + 1)),
        replace: [addressOf(resourceAt(stackJson(FLEET_STACK), 'Fleet/UrlCheck'))],
      });
      await apply(FLEET_STACK);
      expect(fleetVms().map((id) => resource(id).properties.osProfile.computerName).sort()).toEqual(fleetInstanceNames(BIG_COUNT));
      expect(replicas(secondVersion)).toEqual({ 'West Europe': 1, 'North Europe': 1 });

      // Past 50 VMs in a region, the version needs more replicas there: the replication step runs again, nothing else.
      deployment().resynthesize(app({ pageTitle: REBUILT_TITLE, fleetCount: HUGE_COUNT }));
      const replication = addressOf(image('Version/Replication'));
      const replicated = await plan(IMAGE_STACK);
      expect(actionsOf(replicated)).toEqual({ ...NO_CHANGES, replace: [replication] });
      const applied = await apply(IMAGE_STACK);
      expect(applied.stdout).toContain('replicate: northeurope: 1 -> 4 replica(s)');
      expect(replicas(secondVersion)).toEqual({ 'West Europe': 1, 'North Europe': Math.ceil(HUGE_COUNT / 50) });
      // The same version: nothing to roll out; the fleet's growth planned only (155 VMs more).
      expect(ofType(VERSION_TYPE)).toEqual([firstVersion, secondVersion]);
      const huge = await plan(FLEET_STACK);
      expect(actionsOf(huge)).toEqual({
        ...NO_CHANGES,
        create: addressesOf(perInstance(), fleetInstanceNames(HUGE_COUNT, BIG_COUNT + 1)),
        replace: [addressOf(resourceAt(stackJson(FLEET_STACK), 'Fleet/UrlCheck'))],
      });
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('destroy: the fleet, then the image stack (its versions before their definition): nothing is left', async () => {
      await deployment().destroy(azure, run());
      expect(local().resources()).toEqual([]);
      // Every version deleted before the definition, whose deletion Azure refuses while it has versions.
      const deletes = local().requests.filter((r) => r.method === 'DELETE' && (r.kind === VERSION_TYPE || r.kind === DEFINITION_TYPE));
      expect(deletes.map((r) => [r.kind, r.status < 300])).toEqual([
        [VERSION_TYPE, true], [VERSION_TYPE, true], [DEFINITION_TYPE, true],
      ]);
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);
  });
});
