/**
 * `WindowsSetup`: what the build VM's setup runs in the guest (IIS, ASP.NET and the machine-name page with its smoke
 * test, or custom PowerShell steps), rendered into one script at synth, with its options (`IisAspNetSetupOptions`,
 * `CustomSetupOptions`, `SmokeTestOptions`).
 */
import { createHash } from 'crypto';
import { PowerShellStep } from './powershell-step';
import { checkPageUrl, IIS_DEFAULT_SITE, KnownSite, recordServedPage, servedPage } from './private/network/served-page';
import { readScript } from './private/steps/scripts';
import { checkSteps, POWERSHELL_STEP, readStepFile } from './private/steps/setup-steps';
import {
  BOOLEAN, checkedByConstruct, checkPropTypes, listOf, markKind, NUMBER, STRING, struct,
} from './private/validation/prop-types';
import { isUnresolved, PropsValidator, requireProps } from './private/validation/props-validator';

/** The request the setup makes in the guest before anything is imaged. */
export interface SmokeTestOptions {
  /**
   * URL requested from inside the VM. With `WindowsSetup.iisAspNet()` and no steps of your own, a URL on the machine
   * itself must be the page IIS serves: http, port 80, `/` or `/Default.aspx`.
   *
   * @default 'http://localhost/'
   */
  readonly url?: string;
  /**
   * Require the response to contain the VM's computer name.
   *
   * @default true
   */
  readonly expectComputerName?: boolean;
  /**
   * Require the response to contain this text.
   *
   * @default - no text required
   */
  readonly expectText?: string;
  /**
   * How long to keep retrying before the setup fails, in seconds (10-3600).
   *
   * @default 300
   */
  readonly timeoutSeconds?: number;
}

/** Options for `WindowsSetup.iisAspNet`. */
export interface IisAspNetSetupOptions {
  /**
   * Title of the page deployed to `C:\inetpub\wwwroot\Default.aspx`.
   *
   * @default 'Golden image web server'
   */
  readonly pageTitle?: string;
  /**
   * Steps run before IIS is installed.
   *
   * @default - none
   */
  readonly stepsBefore?: PowerShellStep[];
  /**
   * Steps run after the page is deployed and before the smoke test.
   *
   * @default - none
   */
  readonly stepsAfter?: PowerShellStep[];
  /**
   * The smoke test on the deployed page.
   *
   * @default - `http://localhost/` must answer 200 with the computer name within 300 s
   */
  readonly smokeTest?: SmokeTestOptions;
}

/** Options for `WindowsSetup.custom`. */
export interface CustomSetupOptions {
  /** Steps run in order. */
  readonly steps: PowerShellStep[];
  /**
   * A smoke test run after the steps.
   *
   * @default - no smoke test
   */
  readonly smokeTest?: SmokeTestOptions;
}

/** The options and their parts at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const SMOKE_TEST_OPTIONS = struct<SmokeTestOptions>('SmokeTestOptions', {
  url: STRING, expectComputerName: BOOLEAN, expectText: STRING, timeoutSeconds: NUMBER,
}, "{ url: 'http://localhost/', timeoutSeconds: 300 }");
// The steps: checked by lib/private/steps/setup-steps.ts (a list, each step's name and script, a script given as bytes).
const STEPS = checkedByConstruct(listOf(POWERSHELL_STEP));
const IIS_ASP_NET_SETUP_OPTIONS = struct<IisAspNetSetupOptions>('IisAspNetSetupOptions', {
  pageTitle: STRING, stepsBefore: STEPS, stepsAfter: STEPS, smokeTest: SMOKE_TEST_OPTIONS,
}, "{ pageTitle: 'Contoso web' }");
const CUSTOM_SETUP_OPTIONS = struct<CustomSetupOptions>('CustomSetupOptions', { steps: STEPS, smokeTest: SMOKE_TEST_OPTIONS },
  "{ steps: [{ name: 'Install the app', script: '<PowerShell>' }] }");

/** Maximum size of the setup script: it travels to the VM as custom data, which Azure caps at 64 KiB. */
const MAX_SCRIPT_BYTES = 65535;

/**
 * What runs in the build VM before it is imaged: PowerShell steps, then an optional smoke test.
 *
 * The rendered script reaches the VM as custom data; the operator stage copies it to `C:\GoldenImage\setup.ps1`
 * (readable by SYSTEM and administrators only) and runs it as SYSTEM in a scheduled task under Windows PowerShell
 * 5.1, polling its log through Run Command while Terraform waits. A failing step or smoke test fails the deployment.
 *
 * The script runs the steps in order, each under the contract described on `PowerShellStep` (strict mode 3.0,
 * errors stop, `exit` ends only the step, a non-zero exit code of the step's last native command fails it). Every
 * line goes to `C:\GoldenImage\setup.log` (UTF-8 without BOM), which ends with one result line:
 * `GOLDEN-IMAGE-SETUP-RESULT: SUCCESS` or `GOLDEN-IMAGE-SETUP-RESULT: FAILURE step '<name>': <message>`.
 * The rendered script is pure ASCII (names and texts with other characters travel base64-encoded), so Windows
 * PowerShell 5.1, which reads a file without a BOM in the ANSI code page, reads it as written.
 */
export class WindowsSetup {
  /**
   * The seed's web server: IIS with ASP.NET 4.x (`Install-WindowsFeature Web-Server, Web-Asp-Net45, ...`),
   * a page that renders the machine's own computer name at request time, and a smoke test on `http://localhost/`.
   */
  public static iisAspNet(options: IisAspNetSetupOptions = {}): WindowsSetup {
    const types = new PropsValidator('WindowsSetup.iisAspNet');
    options = checkPropTypes(types, options, IIS_ASP_NET_SETUP_OPTIONS, 'options');
    types.throwIfInvalid();
    const pageTitle = options?.pageTitle ?? 'Golden image web server';
    // A step's problems name it where the user wrote it: stepsBefore[0], stepsAfter[1].
    const steps = (v: PropsValidator): PowerShellStep[] => [
      ...checkSteps(v, 'stepsBefore', options?.stepsBefore, false),
      { name: 'Install IIS and ASP.NET 4.x', script: readScript('guest/install-iis-aspnet.ps1') },
      { name: 'Deploy the machine-name page', script: readScript('guest/deploy-machine-name-page.ps1') },
      ...checkSteps(v, 'stepsAfter', options?.stepsAfter, false),
    ];
    // Without steps of the user's own, every page of the image is known: the smoke test, the canary, the fleets and
    // scale sets are checked against it (lib/private/network/served-page.ts).
    const ownSteps = [options?.stepsBefore, options?.stepsAfter]
      .some((list) => list !== undefined && list !== null && !(Array.isArray(list) && list.length === 0));
    return new WindowsSetup('WindowsSetup.iisAspNet', steps, { PageTitle: pageTitle }, options?.smokeTest ?? {}, (v) => {
      if (isLiteral(v, 'pageTitle', pageTitle)) {
        v.check('pageTitle', pageTitle, (t) => t.length > 0 && t.length <= 200 && !/[\r\n]/.test(t),
          'is not a one-line title of 1-200 characters', "pass a short title such as 'Contoso web'");
      }
    }, ownSteps ? undefined : IIS_DEFAULT_SITE);
  }

  /** Your own steps, with an optional smoke test. */
  public static custom(options: CustomSetupOptions): WindowsSetup {
    const missing = new PropsValidator('WindowsSetup.custom');
    requireProps(missing, options, { steps: "pass your PowerShell steps, e.g. [{ name: 'Install the app', script: '...' }]" });
    options = checkPropTypes(missing, options, CUSTOM_SETUP_OPTIONS, 'options');
    missing.throwIfInvalid();
    return new WindowsSetup('WindowsSetup.custom', (v) => checkSteps(v, 'steps', options.steps, true), {}, options.smokeTest);
  }

  /**
   * A step whose script is a file, read now (at synth time): UTF-8 with or without a BOM, or UTF-16 LE or BE with or
   * without a BOM (Windows PowerShell 5.1's `Out-File` default), line endings made `\n`. The encoding, a BOM or CRLF
   * line endings change neither the rendered script nor its hash. A file in another encoding (a Windows code page
   * such as Windows-1252) is refused: save it as UTF-8.
   *
   * @param name shown in the setup log and in the failure message
   * @param path the file; a relative path is taken from the working directory, so build it from `__dirname`
   */
  public static stepFromFile(name: string, path: string): PowerShellStep {
    const v = new PropsValidator('WindowsSetup.stepFromFile');
    const script = readStepFile(v, name, path);
    v.throwIfInvalid();
    return { name, script: script! };
  }

  /** Every step in the order it runs, the smoke test last. */
  public readonly steps: PowerShellStep[];
  private readonly script: string;

  private constructor(
    factory: string,
    stepsOf: (v: PropsValidator) => PowerShellStep[],
    parameters: Record<string, string>,
    smokeTest: SmokeTestOptions | undefined,
    checkOptions?: (v: PropsValidator) => void,
    onlySite?: KnownSite,
  ) {
    // The factory's own options and the common ones are checked together: one error lists every problem.
    const v = new PropsValidator(factory);
    checkOptions?.(v);
    // Checked, and normalized (a leading BOM dropped, so that it changes neither the script nor its hash).
    const steps = stepsOf(v);
    const smoke = smokeTest ? resolveSmokeTest(v, smokeTest) : undefined;
    const smokeTestUrl = smoke ? String(smoke.SmokeTestUrl) : undefined;
    const page = servedPage(onlySite ? `${factory} without steps of your own` : factory, smokeTestUrl, onlySite);
    checkPageUrl(v, 'smokeTest.url', smokeTestUrl, { ...page, proven: undefined }, 'the smoke test would fail the build after waiting its timeout',
      "pass 'http://localhost/' (the default), or add the step that serves that page (stepsAfter)");
    v.throwIfInvalid();
    recordServedPage(this, page);

    this.steps = smoke ? [...steps, { name: 'Smoke test', script: readScript('guest/smoke-test.ps1') }] : [...steps];
    this.script = renderScript(this.steps, { ...parameters, ...(smoke ?? {}) });
    const bytes = Buffer.byteLength(this.script, 'utf8');
    if (bytes > MAX_SCRIPT_BYTES) {
      throw new Error(`WindowsSetup: steps: the setup script is ${bytes} bytes; custom data holds at most ${MAX_SCRIPT_BYTES}. `
        + 'Fix: move large content (installers, site files) to a download in a step instead of inlining it.');
    }
  }

  /** The whole PowerShell script that runs in the guest: pure ASCII, so its UTF-8 bytes are its characters. */
  public renderScript(): string {
    return this.script;
  }

  /** SHA-256 of the script: any change replaces the build VM. */
  public get scriptHash(): string {
    return createHash('sha256').update(this.script).digest('hex');
  }
}

markKind(WindowsSetup, 'WindowsSetup');

/**
 * Records a problem when `value` is an unresolved token: the setup script is rendered at synth time into custom data
 * (base64) and hashed, so Terraform could never substitute it. Returns whether the value is literal.
 */
function isLiteral(v: PropsValidator, prop: string, value: unknown): boolean {
  if (value === undefined || !isUnresolved(value)) {
    return true;
  }
  v.fail(prop, value, 'is an unresolved token, but the setup script is fixed at synth time (it travels base64-encoded in custom data)',
    'pass a literal value');
  return false;
}

function resolveSmokeTest(v: PropsValidator, options: SmokeTestOptions): Record<string, string | number | boolean> {
  const url = options.url ?? 'http://localhost/';
  const timeoutSeconds = options.timeoutSeconds ?? 300;
  isLiteral(v, 'smokeTest.url', url);
  isLiteral(v, 'smokeTest.timeoutSeconds', timeoutSeconds);
  isLiteral(v, 'smokeTest.expectText', options.expectText);
  v.check('smokeTest.url', url, (u) => /^https?:\/\/[^\s'"`$]+$/.test(u),
    'is not an http(s) URL without quotes, spaces or $', "use a URL such as 'http://localhost/'");
  v.check('smokeTest.timeoutSeconds', timeoutSeconds, (t) => Number.isInteger(t) && t >= 10 && t <= 3600,
    'is not a whole number of seconds between 10 and 3600', 'pass e.g. 300');
  v.check('smokeTest.expectText', options.expectText, (t) => t.length > 0 && !/[\r\n]/.test(t),
    'is empty or spans several lines', 'pass one line of text the page must contain');
  return {
    SmokeTestUrl: url,
    SmokeTestTimeoutSeconds: timeoutSeconds,
    SmokeTestExpectComputerName: options.expectComputerName ?? true,
    SmokeTestExpectText: options.expectText ?? '',
    SmokeTestRetrySeconds: 5,
  };
}

/**
 * PowerShell expression for a parameter value or step name, in pure ASCII. The script reaches the VM as custom data
 * (base64 of its bytes), is copied byte for byte into `setup.ps1` and runs with `powershell.exe -File`: Windows
 * PowerShell 5.1 reads a file without a BOM in the ANSI code page (Windows-1252 on most images), where UTF-8 bytes
 * turn into other characters, some of them quotes to PowerShell (the bytes 0x91-0x94 read as curly quotes), so a
 * title with a 'ё' would break the script. A UTF-8 BOM would also work, but only while every carrier keeps the
 * exact bytes; pure ASCII reads the same in any code page, keeps `renderScript()`'s string equal to the bytes that
 * `scriptHash` and the custom data use, and needs no change of how the script travels. So a string with any
 * character outside printable ASCII travels base64-encoded, like the steps.
 */
function psLiteral(value: string | number | boolean): string {
  if (typeof value === 'boolean') {
    return value ? '$true' : '$false';
  }
  if (typeof value === 'number') {
    return String(value);
  }
  if (/^[\t\x20-\x7e]*$/.test(value)) {
    return `'${value.replace(/'/g, "''")}'`;
  }
  return `(ConvertFrom-GoldenBase64 '${Buffer.from(value, 'utf8').toString('base64')}')`;
}

function renderScript(steps: PowerShellStep[], parameters: Record<string, string | number | boolean>): string {
  const lines = [
    readScript('guest/setup-prelude.ps1').trimEnd(),
    '',
    '$GoldenSetup = @{',
    ...Object.keys(parameters).sort().map((k) => `  ${k} = ${psLiteral(parameters[k])}`),
    '}',
    '',
    // Each step travels base64-encoded, so no content of a step can end or escape its quoting.
    '$GoldenSteps = @(',
    ...steps.map((step) => `  @{ Name = ${psLiteral(step.name)}; Script = (ConvertFrom-GoldenBase64 '${
      Buffer.from(step.script.trimEnd() + '\n', 'utf8').toString('base64')}') }`),
    ')',
    '',
    'Invoke-GoldenSetup -Steps $GoldenSteps',
    'exit $GoldenExitCode',
    '',
  ];
  return lines.join('\n');
}
