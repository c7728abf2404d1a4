/**
 * The `terraform validate` tier: every stack of every bundled example, and the seed stack of the operator-script
 * tests, checked by real Terraform with the real azurerm and random providers, offline. Validate checks every
 * resource and data source type, argument and nested block against the providers' schemas, and every literal value
 * against the providers' own validation (allowed values, formats); it reads no state and calls no API, so
 * `terraform_remote_state` of another stack is fine unread.
 *
 * Providers come from wherever Terraform is configured to take them (TF_CLI_CONFIG_FILE, or the registry), never
 * from a path written here: .ci/run points TF_CLI_CONFIG_FILE at the shared mirror on this project's offline
 * machines, and a user with internet gets the same providers from the registry. A machine that cannot install them
 * fails this file, saying how to configure them: no skipping, since a skipped tier would pass without checking.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildCrossStackApp, CROSS_STACK_APP_STACKS } from './util/cross-stack-app';
import { BUNDLED_EXAMPLES, synthApp } from './util/examples';
import { synthSeedStack } from './util/generalize-stack';
import { onlyResource } from './util/synth';
import { describeDiagnostic, initFromSharedProviders, installProviders, requiredProvidersOf, SharedProviders, validate } from './util/terraform';

// One stack's init and validate took 2.4-4.5 s here (2 cores, load average 7-10), nearly all of it azurerm's
// 200 MB binary starting and serving its schema; a minute leaves room for a busier CI machine.
const STACK_TIMEOUT_MS = 60_000;
// Synthesizing the apps takes seconds; installing the providers from the registry downloads about 60 MB.
const SETUP_TIMEOUT_MS = 300_000;

/** An app the tests synthesize whole, as `cdktf synth` does, and the stacks it writes. */
interface AppUnderTest {
  readonly title: string;
  readonly stacks: string[];
  /** Synthesizes into a fresh outdir and returns it. */
  readonly synthesize: () => string;
}

const APPS: AppUnderTest[] = [
  ...BUNDLED_EXAMPLES.map((example) => ({
    title: `examples/${example.name}`,
    stacks: example.stacks,
    synthesize: () => synthApp(example.buildApp).outdir,
  })),
  // GoldenVm and GeneralizedImage alone, with literal names in a given resource group: the stack the operator-script
  // and terraform-apply tests run (test/util/generalize-stack.ts).
  { title: 'seed stack of the operator-script tests', stacks: ['golden'], synthesize: () => synthSeedStack().outdir },
  // Images passed across stacks as objects: Terraform refuses another stack's remote-state attribute in depends_on.
  { title: 'images used across stacks', stacks: CROSS_STACK_APP_STACKS, synthesize: () => synthApp(buildCrossStackApp).outdir },
];

let workDir: string;
let providers: SharedProviders;
const outdirs = new Map<string, string>();

const stackDirectory = (app: AppUnderTest, stack: string) => path.join(outdirs.get(app.title)!, 'stacks', stack);

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'terraform-validate-'));
  for (const app of APPS) {
    outdirs.set(app.title, app.synthesize());
  }
  const allStacks = APPS.flatMap((app) => app.stacks.map((stack) => stackDirectory(app, stack)));
  providers = installProviders(workDir, requiredProvidersOf(allStacks));
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  for (const directory of [workDir, ...outdirs.values()]) {
    if (directory) {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
});

describe.each(APPS)('$title', (app) => {
  test.each(app.stacks)('stack %s: terraform validate accepts it with the real providers', (stack) => {
    const directory = stackDirectory(app, stack);
    initFromSharedProviders(directory, providers);
    const validation = validate(directory);
    // Warnings too: a deprecated argument (e.g. enable_automatic_updates of a windows VM, deprecated for 5.0) is
    // accepted by validate with a warning only, and would break on the next major provider.
    const problems = validation.diagnostics.map(describeDiagnostic);
    expect({ stack, valid: validation.valid, problems }).toEqual({ stack, valid: true, problems: [] });
  }, STACK_TIMEOUT_MS);
});

describe('the tier fails for what the real providers refuse', () => {
  // A copy of the golden-image example's image stack (validated as is above), with one change to the build VM.
  test.each([
    {
      breakage: 'a misspelt argument (the provider\'s schema)',
      named: ['secure_boot_enable'],
      breakVm: (vm: any) => {
        vm.secure_boot_enable = true;
      },
    },
    {
      breakage: 'a value outside the allowed ones (the provider\'s own validation)',
      named: ['storage_account_type', 'Premium_XRS'],
      breakVm: (vm: any) => {
        vm.os_disk.storage_account_type = 'Premium_XRS';
      },
    },
  ])('$breakage in the build VM: validate rejects the stack, naming it', ({ named, breakVm }) => {
    const golden = APPS.find((app) => app.title === 'examples/golden-image')!;
    const broken = path.join(workDir, `broken-${named[0]}`);
    // The synthesized files only: the copy gets its own init.
    fs.cpSync(stackDirectory(golden, 'golden-image'), broken, { recursive: true, filter: (source) => !source.includes(`${path.sep}.terraform`) });
    const stackFile = path.join(broken, 'cdk.tf.json');
    const parsed = JSON.parse(fs.readFileSync(stackFile, 'utf8'));
    breakVm(onlyResource(parsed, 'azurerm_windows_virtual_machine'));
    fs.writeFileSync(stackFile, JSON.stringify(parsed, null, 2));

    initFromSharedProviders(broken, providers);
    const validation = validate(broken);

    expect(validation.valid).toBe(false);
    const errors = validation.diagnostics.filter((d) => d.severity === 'error').map(describeDiagnostic);
    expect(errors).toEqual([expect.stringContaining('azurerm_windows_virtual_machine.BuildVm_VirtualMachine')]);
    for (const text of named) {
      expect(errors[0]).toContain(text);
    }
  }, STACK_TIMEOUT_MS);
});
