/**
 * Marketplace images with a purchase plan, end to end: Azure creates a VM from such an image, or from any image
 * captured from one, only when the VM names the plan. The plan goes from the MarketplaceImage to the build VM, along
 * every image (GeneralizedImage, ImageCopy, ManagedImage.fromImageId, the gallery definition and its versions) to
 * every VM made from them (ImageFleet, ImageScaleSet, the gallery's canary); plans that cannot be right are refused.
 */
import { TerraformStack } from 'cdktf';
import {
  FleetRollout, GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenVm, HyperVGeneration, ImageCopy, ImageCopyMethod, ImageFleet, ImageGallery,
  ImageScaleSet, ImageSecurityType, ManagedImage, MarketplaceImage, PurchasePlan, SecurityType,
} from '../lib';
import { goldenVmProps } from './util/constructs';
import { SUBSCRIPTION_ID } from './util/fake-az';
import { InProcessAz } from './util/fake-az-inprocess';
import { runInProcess } from './util/operator';
import { expectRefused, Refusal } from './util/refusal';
import { onlyResource, resourceAt, synthStack } from './util/synth';
import { STEPS } from '../lib/operator/main';
import { SCRIPTS_DIRECTORY } from '../lib/private/steps/scripts';

/** CIS's hardened Windows Server 2022 (Gen2): a third-party image with a plan (name = SKU, product = offer). */
const CIS_URN = 'center-for-internet-security-inc:cis-windows-server-2022-l1:cis-windows-server-2022-l1-gen2:latest';
const CIS_PLAN: PurchasePlan = { name: 'cis-windows-server-2022-l1-gen2', product: 'cis-windows-server-2022-l1', publisher: 'center-for-internet-security-inc' };
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-cis`;

function buildVm(stack: TerraformStack, plan: PurchasePlan | undefined = CIS_PLAN, securityType = SecurityType.STANDARD): GoldenVm {
  return new GoldenVm(stack, 'BuildVm', goldenVmProps({ image: MarketplaceImage.fromUrn(CIS_URN, { plan }), securityType }));
}

function galleryVersion(stack: TerraformStack, definitionPlan?: PurchasePlan, buildPlan: PurchasePlan | undefined = CIS_PLAN): GalleryImageVersion {
  const image = new GeneralizedImage(stack, 'Image', { vm: buildVm(stack, buildPlan, SecurityType.TRUSTED_LAUNCH) });
  const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' });
  const definition = new GalleryImage(stack, 'Web', { gallery, imageName: 'web-cis', purchasePlan: definitionPlan });
  return new GalleryImageVersion(stack, 'Version', { galleryImage: definition, source: image });
}

const planOf = (resource: any) => resource.plan;

describe('purchase plans', () => {
  describe('refused: a plan that cannot be right', () => {
    const ROWS: Array<Refusal & { readonly label: string }> = [
      {
        label: 'a plan for a Windows Server image, which has none',
        construct: 'MarketplaceImage',
        prop: 'plan',
        value: CIS_PLAN,
        mentions: [/is given for a MicrosoftWindowsServer image, but Microsoft's Windows Server images have no purchase plan.*Fix: remove plan/],
        build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({
          image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest', { plan: CIS_PLAN }),
        })),
      },
      {
        label: 'an empty plan name',
        construct: 'MarketplaceImage',
        prop: 'plan.name',
        value: '',
        mentions: [/is empty: Azure needs the name, product and publisher of a plan\. Fix: copy it from `az vm image show --urn center-for-internet-security-inc:.* --query plan`/],
        build: (s) => buildVm(s, { ...CIS_PLAN, name: '' }),
      },
      {
        label: 'a plan product that is not the offer',
        construct: 'MarketplaceImage',
        prop: 'plan.product',
        value: 'cis-windows-server-2019-l1',
        mentions: [/is not the image's offer 'cis-windows-server-2022-l1'/],
        build: (s) => buildVm(s, { ...CIS_PLAN, product: 'cis-windows-server-2019-l1' }),
      },
      {
        label: 'an imported image\'s plan with a space',
        construct: 'ManagedImage.fromImageId',
        prop: 'purchasePlan.publisher',
        value: 'center for internet security',
        mentions: [/is not a marketplace plan id/],
        build: (s) => ManagedImage.fromImageId(s, 'Image', {
          imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, purchasePlan: { ...CIS_PLAN, publisher: 'center for internet security' },
        }),
      },
      {
        label: 'a definition\'s plan without publisher',
        construct: 'GalleryImage',
        prop: 'purchasePlan.publisher',
        value: '',
        mentions: [/is empty: Azure needs the name, product and publisher of a plan\. Fix: pass the plan of the build's MarketplaceImage/],
        build: (s) => new GalleryImage(s, 'Web', {
          gallery: new ImageGallery(s, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' }), purchasePlan: { ...CIS_PLAN, publisher: '' },
        }),
      },
      {
        label: 'a definition without the plan of its build',
        construct: 'GalleryImageVersion',
        prop: 'galleryImage',
        value: 'no purchase plan',
        mentions: [/but build VM 'vm-golden' has 'name=cis-windows-server-2022-l1-gen2 product=cis-windows-server-2022-l1 publisher=center-for-internet-security-inc'/,
          /Fix: give the GalleryImage purchasePlan: \{ name: 'cis-windows-server-2022-l1-gen2', product: 'cis-windows-server-2022-l1', publisher: 'center-for-internet-security-inc' \}/],
        build: (s) => galleryVersion(s, undefined),
      },
      {
        label: 'a definition with a plan its build lacks',
        construct: 'GalleryImageVersion',
        prop: 'galleryImage',
        value: `name=${CIS_PLAN.name} product=${CIS_PLAN.product} publisher=${CIS_PLAN.publisher}`,
        mentions: [/but build VM 'vm-golden' has none.*Fix: publish to a GalleryImage without purchasePlan/],
        build: (s) => {
          const image = new GeneralizedImage(s, 'Image', {
            vm: new GoldenVm(s, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH })),
          });
          const definition = new GalleryImage(s, 'Web', {
            gallery: new ImageGallery(s, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' }), imageName: 'web-cis', purchasePlan: CIS_PLAN,
          });
          new GalleryImageVersion(s, 'Version', { galleryImage: definition, source: image });
        },
      },
    ];
    test.each(ROWS.map((row) => [row.label, row] as const))('%s', (_, row) => {
      expectRefused(row);
    });

    test('a definition whose plan differs only in case is the same plan (Azure\'s ids are case-insensitive)', () => {
      expect(() => synthStack((s) => galleryVersion(s, { ...CIS_PLAN, publisher: CIS_PLAN.publisher.toUpperCase() }))).not.toThrow();
    });
  });

  describe('the plan block on every VM made from the image', () => {
    test('the build VM names the plan, and a new plan is a new build (BuildSpec); without a plan, neither changes', () => {
      const { parsed } = synthStack((s) => buildVm(s));
      expect(planOf(onlyResource(parsed, 'azurerm_windows_virtual_machine'))).toEqual(CIS_PLAN);
      expect(resourceAt(parsed, 'terraform_data', 'BuildVm/BuildSpec').triggers_replace.plan).toEqual(CIS_PLAN);

      const seed = synthStack((s) => new GoldenVm(s, 'BuildVm', goldenVmProps())).parsed;
      expect(planOf(onlyResource(seed, 'azurerm_windows_virtual_machine'))).toBeUndefined();
      expect(Object.keys(resourceAt(seed, 'terraform_data', 'BuildVm/BuildSpec').triggers_replace)).not.toContain('plan');
    });

    test('GeneralizedImage -> ImageCopy (through a gallery) -> ImageScaleSet; GeneralizedImage -> ImageFleet', () => {
      let copy: ImageCopy | undefined;
      let image: GeneralizedImage | undefined;
      const { parsed } = synthStack((s) => {
        image = new GeneralizedImage(s, 'Image', { vm: buildVm(s) });
        copy = new ImageCopy(s, 'Copy', { source: image, resourceGroupName: 'rg-copy', location: 'northeurope', method: ImageCopyMethod.COMPUTE_GALLERY });
        new ImageScaleSet(s, 'Web', { image: copy, count: 2, namePrefix: 'web', resourceGroupName: 'rg-web' });
        new ImageFleet(s, 'Fleet', { image, count: 2, namePrefix: 'app', resourceGroupName: 'rg-app', rollout: FleetRollout.ALL_AT_ONCE });
      });
      expect([image!.purchasePlan, copy!.purchasePlan]).toEqual([CIS_PLAN, CIS_PLAN]);
      // The copy's own gallery definition records it too.
      expect(onlyResource(parsed, 'azurerm_shared_image').purchase_plan).toEqual(CIS_PLAN);
      expect(planOf(onlyResource(parsed, 'azurerm_windows_virtual_machine_scale_set'))).toEqual(CIS_PLAN);
      expect(planOf(resourceAt(parsed, 'azurerm_windows_virtual_machine', 'Fleet/VirtualMachine'))).toEqual(CIS_PLAN);
    });

    test('ManagedImage.fromImageId carries its plan to the fleet; an image without a plan gives VMs none', () => {
      const { parsed } = synthStack((s) => {
        const planned = ManagedImage.fromImageId(s, 'CisImage', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, purchasePlan: CIS_PLAN });
        const plain = ManagedImage.fromImageId(s, 'PlainImage', { imageId: IMAGE_ID.replace('img-cis', 'img-plain'), location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
        new ImageFleet(s, 'Cis', { image: planned, count: 1, namePrefix: 'cis', resourceGroupName: 'rg-cis' });
        new ImageFleet(s, 'Plain', { image: plain, count: 1, namePrefix: 'plain', resourceGroupName: 'rg-plain' });
      });
      expect(planOf(resourceAt(parsed, 'azurerm_windows_virtual_machine', 'Cis/VirtualMachine'))).toEqual(CIS_PLAN);
      expect(planOf(resourceAt(parsed, 'azurerm_windows_virtual_machine', 'Plain/VirtualMachine'))).toBeUndefined();
    });

    test('the gallery: the definition\'s purchase_plan, the versions (by version, latest, imported, by id) and the canary carry it', () => {
      let version: GalleryImageVersion | undefined;
      const { parsed } = synthStack((s) => {
        version = galleryVersion(s, CIS_PLAN);
        new ImageScaleSet(s, 'ScaleSet', { image: version.latest, count: 2, namePrefix: 'web', resourceGroupName: 'rg-web' });
        new ImageFleet(s, 'Fleet', { image: version, count: 1, namePrefix: 'app', resourceGroupName: 'rg-app', rollout: FleetRollout.ALL_AT_ONCE });
        const other = new TerraformStack(s.node.scope!, 'fleet');
        expect(version.importInto(other, 'Imported').purchasePlan).toEqual(CIS_PLAN);
        expect(GalleryImageVersion.fromVersionId(s, 'ById', {
          imageId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Compute/galleries/gal/images/web-cis/versions/1.0.0`,
          location: 'westeurope',
          hyperVGeneration: HyperVGeneration.V2,
          securityType: ImageSecurityType.TRUSTED_LAUNCH,
          purchasePlan: CIS_PLAN,
        }).purchasePlan).toEqual(CIS_PLAN);
      });
      expect(onlyResource(parsed, 'azurerm_shared_image').purchase_plan).toEqual(CIS_PLAN);
      expect([version!.purchasePlan, version!.latest.purchasePlan]).toEqual([CIS_PLAN, CIS_PLAN]);
      expect(planOf(onlyResource(parsed, 'azurerm_windows_virtual_machine_scale_set'))).toEqual(CIS_PLAN);
      expect(planOf(resourceAt(parsed, 'azurerm_windows_virtual_machine', 'Fleet/VirtualMachine'))).toEqual(CIS_PLAN);
      expect(resourceAt(parsed, 'terraform_data', 'Version/Canary').provisioner[0]['local-exec'].environment).toMatchObject({
        GOLDEN_CANARY_PLAN_NAME: CIS_PLAN.name, GOLDEN_CANARY_PLAN_PRODUCT: CIS_PLAN.product, GOLDEN_CANARY_PLAN_PUBLISHER: CIS_PLAN.publisher,
      });
    });

    test('a definition without a plan gives its canary no plan variables', () => {
      const { parsed } = synthStack((s) => {
        const image = new GeneralizedImage(s, 'Image', { vm: new GoldenVm(s, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH })) });
        const definition = new GalleryImage(s, 'Web', { gallery: new ImageGallery(s, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' }) });
        new GalleryImageVersion(s, 'Version', { galleryImage: definition, source: image });
      });
      expect(Object.keys(resourceAt(parsed, 'terraform_data', 'Version/Canary').provisioner[0]['local-exec'].environment).filter((k) => k.includes('PLAN'))).toEqual([]);
      expect(onlyResource(parsed, 'azurerm_shared_image').purchase_plan).toBeUndefined();
    });
  });

  describe('the gallery-canary step with a plan (the simulated az refuses a VM of a plan image without it)', () => {
    const GROUP = 'rg-gallery';
    const VERSION = '2026.1201.120000';
    const PUBLISHED = {
      name: VERSION,
      provisioningState: 'Succeeded',
      excludeFromLatest: true,
      purchasePlan: CIS_PLAN,
      targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
      tags: { 'golden-image-name': 'web-cis', 'golden-image-revision': '20261201120000' },
    };
    const fakes: InProcessAz[] = [];
    afterAll(() => fakes.forEach((fake) => fake.dispose()));
    const canary = async (plan: Record<string, string>) => {
      const fake = new InProcessAz({ galleryImages: { [`${GROUP}/gal_golden/web-cis`]: [PUBLISHED] }, resourceGroups: ['rg-canary'] });
      fakes.push(fake);
      const result = await runInProcess(STEPS['gallery-canary'], {
        cwd: SCRIPTS_DIRECTORY,
        az: fake.run,
        env: {
          ...fake.environment(),
          GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
          GOLDEN_GALLERY_RESOURCE_GROUP: GROUP,
          GOLDEN_GALLERY_NAME: 'gal_golden',
          GOLDEN_GALLERY_IMAGE: 'web-cis',
          GOLDEN_BUILD_REVISION: '20261201120000',
          GOLDEN_GALLERY_VERSION: VERSION,
          GOLDEN_CANARY_REGIONS: 'westeurope',
          GOLDEN_CANARY_SECURITY_TYPE: 'Standard',
          GOLDEN_CANARY_VM_SIZE: 'Standard_D2s_v5',
          GOLDEN_CANARY_RESOURCE_GROUP: 'rg-canary',
          GOLDEN_GUEST_DIRECTORY: 'guest',
          ...plan,
        },
      });
      return { fake, result };
    };

    test('the canary VM is created with --plan-name/--plan-product/--plan-publisher and passes', async () => {
      const { fake, result } = await canary({
        GOLDEN_CANARY_PLAN_NAME: CIS_PLAN.name,
        GOLDEN_CANARY_PLAN_PRODUCT: CIS_PLAN.product,
        GOLDEN_CANARY_PLAN_PUBLISHER: CIS_PLAN.publisher,
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const create = fake.calls().find((argv) => argv[0] === 'vm' && argv[1] === 'create')!;
      expect(create).toEqual(expect.arrayContaining([`--plan-name=${CIS_PLAN.name}`, `--plan-product=${CIS_PLAN.product}`, `--plan-publisher=${CIS_PLAN.publisher}`]));
    });

    test('a plan without its product: exit 2 naming the variable, before any az call', async () => {
      const { fake, result } = await canary({ GOLDEN_CANARY_PLAN_NAME: CIS_PLAN.name, GOLDEN_CANARY_PLAN_PUBLISHER: CIS_PLAN.publisher });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('GOLDEN_CANARY_PLAN_PRODUCT must be a marketplace plan id (1-128 letters, digits, - _ .), given with the two other '
        + 'GOLDEN_CANARY_PLAN_ variables; got "".');
      expect(fake.calls()).toEqual([]);
    });
  });

  describe('the build VM\'s base-image step checks the plan of every image but Windows Server\'s (Azure alone knows a third-party image\'s plan)', () => {
    const baseImageStep = (parsed: any) => Object.entries<any>(parsed.resource.terraform_data ?? {})
      .find(([name]) => /^BuildVm_BaseImageCheck_/.test(name))?.[1].provisioner[0]['local-exec'];
    const SQL_URN = 'MicrosoftSQLServer:sql2022-ws2022:enterprise-gen2';

    test.each<[string, string, PurchasePlan | undefined, Record<string, string | undefined> | undefined]>([
      ['a `latest` image with a plan: the plan to check', CIS_URN, CIS_PLAN,
        { GOLDEN_BASE_IMAGE_PLAN: `${CIS_PLAN.name}:${CIS_PLAN.product}:${CIS_PLAN.publisher}`, GOLDEN_BASE_IMAGE_LOOKUP: undefined }],
      ['a pinned image with a plan: a step that checks the plan only', CIS_URN.replace(/latest$/, '1.0.12'), CIS_PLAN,
        { GOLDEN_BASE_IMAGE_PLAN: `${CIS_PLAN.name}:${CIS_PLAN.product}:${CIS_PLAN.publisher}`, GOLDEN_BASE_IMAGE_LOOKUP: 'pinned', GOLDEN_BASE_IMAGE_VERSION: '1.0.12' }],
      ['another publisher\'s pinned image without a plan: checked to have none', `${SQL_URN}:16.0.250612`, undefined,
        { GOLDEN_BASE_IMAGE_PLAN: 'none', GOLDEN_BASE_IMAGE_LOOKUP: 'pinned' }],
      ['a Windows Server `latest` image: the version check alone, as before', 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:latest', undefined,
        { GOLDEN_BASE_IMAGE_PLAN: undefined, GOLDEN_BASE_IMAGE_LOOKUP: undefined }],
      ['a Windows Server pinned image: no step (its version and plan are known)', 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:20348.2849.241109',
        undefined, undefined],
    ])('%s', (_, urn, plan, expected) => {
      const { parsed } = synthStack((s) => new GoldenVm(s, 'BuildVm', goldenVmProps({
        image: MarketplaceImage.fromUrn(urn, { plan, hyperVGeneration: HyperVGeneration.V2 }),
      })));
      const step = baseImageStep(parsed);
      if (expected === undefined) {
        expect(step).toBeUndefined();
        return;
      }
      const environment = step.environment as Record<string, string>;
      for (const [name, value] of Object.entries(expected)) {
        expect([name, environment[name]]).toEqual([name, value]);
      }
      // The VM waits for it.
      expect(onlyResource(parsed, 'azurerm_windows_virtual_machine').depends_on).toEqual([expect.stringMatching(/^terraform_data\.BuildVm_BaseImageCheck_/)]);
    });

    test('end to end: the step with the environment GoldenVm synthesizes for a pinned plan image declared without its plan stops at exit 14', async () => {
      const { parsed } = synthStack((s) => new GoldenVm(s, 'BuildVm', goldenVmProps({
        image: MarketplaceImage.fromUrn(CIS_URN.replace(/latest$/, '1.0.12'), { hyperVGeneration: HyperVGeneration.V2 }),
      })));
      const step = baseImageStep(parsed);
      const fake = new InProcessAz({
        marketplace: { westeurope: [{ publisher: CIS_PLAN.publisher, offer: CIS_PLAN.product, sku: CIS_PLAN.name, versions: ['1.0.12'], plan: CIS_PLAN }] },
      });
      try {
        const environment = Object.fromEntries(Object.entries<string>(step.environment).map(([name, value]) => [name,
          value === '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}' ? SUBSCRIPTION_ID : value]));
        const result = await runInProcess(STEPS['base-image'], { env: { ...fake.environment(), ...environment }, az: fake.run });
        expect(result.code).toBe(14);
        expect(result.stderr).toContain(`Fix: declare the image's plan, MarketplaceImage.fromUrn('${CIS_URN.replace(/latest$/, '1.0.12')}', { plan: `
          + `{ name: '${CIS_PLAN.name}', product: '${CIS_PLAN.product}', publisher: '${CIS_PLAN.publisher}' } })`);
        expect(fake.commands()).toEqual(['version', 'account show', 'vm image show']);
      } finally {
        fake.dispose();
      }
    });
  });
});
