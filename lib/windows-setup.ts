import { createHash } from 'crypto';
import { Token } from 'cdktf';
import { readScript } from './private/scripts';
import { isUnresolved, PropsValidator } from './private/validation';

/** A named piece of PowerShell run in the build VM as SYSTEM. */
export interface PowerShellStep {
  /** Shown in the setup log (`C:\GoldenImage\setup.log`) and in failures. */
  readonly name: string;
  /** PowerShell source. `$ErrorActionPreference` is `Stop`: any error fails the setup, and so the deployment. */
  readonly script: string;
}

/** The request the setup makes in the guest before anything is imaged. */
export interface SmokeTestOptions {
  /**
   * URL requested from inside the VM.
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

/** Maximum size of the setup script: it travels to the VM as custom data, which Azure caps at 64 KiB. */
const MAX_SCRIPT_BYTES = 65535;

/**
 * What runs in the build VM before it is imaged: PowerShell steps, then an optional smoke test.
 * The script reaches the VM as custom data and runs through the CustomScriptExtension, which
 * Terraform waits for; a failing step or smoke test fails the deployment.
 */
export class WindowsSetup {
  /**
   * The seed's web server: IIS with ASP.NET 4.x (`Install-WindowsFeature Web-Server, Web-Asp-Net45, ...`),
   * a page that renders the machine's own computer name at request time, and a smoke test on `http://localhost/`.
   */
  public static iisAspNet(options: IisAspNetSetupOptions = {}): WindowsSetup {
    const pageTitle = options.pageTitle ?? 'Golden image web server';
    const steps = [
      ...(options.stepsBefore ?? []),
      { name: 'Install IIS and ASP.NET 4.x', script: readScript('guest/install-iis-aspnet.ps1') },
      { name: 'Deploy the machine-name page', script: readScript('guest/deploy-machine-name-page.ps1') },
      ...(options.stepsAfter ?? []),
    ];
    return new WindowsSetup('WindowsSetup.iisAspNet', steps, { PageTitle: pageTitle }, options.smokeTest ?? {}, (v) => {
      if (isLiteral(v, 'pageTitle', pageTitle)) {
        v.check('pageTitle', pageTitle, (t) => t.length > 0 && t.length <= 200 && !/[\r\n]/.test(t),
          'is not a one-line title of 1-200 characters', "pass a short title such as 'Contoso web'");
      }
    });
  }

  /** Your own steps, with an optional smoke test. */
  public static custom(options: CustomSetupOptions): WindowsSetup {
    return new WindowsSetup('WindowsSetup.custom', options.steps, {}, options.smokeTest);
  }

  /** Every step in the order it runs, the smoke test last. */
  public readonly steps: PowerShellStep[];
  private readonly script: string;

  private constructor(
    factory: string,
    steps: PowerShellStep[],
    parameters: Record<string, string>,
    smokeTest: SmokeTestOptions | undefined,
    checkOptions?: (v: PropsValidator) => void,
  ) {
    // The factory's own options and the common ones are checked together: one error lists every problem.
    const v = new PropsValidator(factory);
    checkOptions?.(v);
    if (steps.length === 0) {
      v.fail('steps', steps, 'is empty', 'give at least one PowerShell step');
    }
    steps.forEach((step, i) => {
      if (Token.isUnresolved(step.name) || Token.isUnresolved(step.script)) {
        v.fail(`steps[${i}]`, step.name, 'holds an unresolved token; the setup script is fixed at synth time', 'pass the step as literal PowerShell');
        return;
      }
      v.check(`steps[${i}].name`, step.name, (n) => /^[^\r\n']{1,100}$/.test(n),
        'is not a one-line name of 1-100 characters without single quotes', "name the step, e.g. 'Install the app'");
      v.check(`steps[${i}].script`, step.script, (s) => s.trim().length > 0, 'is empty', "give the step's PowerShell");
    });
    const smoke = smokeTest ? resolveSmokeTest(v, smokeTest) : undefined;
    v.throwIfInvalid();

    this.steps = smoke ? [...steps, { name: 'Smoke test', script: readScript('guest/smoke-test.ps1') }] : [...steps];
    this.script = renderScript(this.steps, { ...parameters, ...(smoke ?? {}) });
    const bytes = Buffer.byteLength(this.script, 'utf8');
    if (bytes > MAX_SCRIPT_BYTES) {
      throw new Error(`WindowsSetup: steps: the setup script is ${bytes} bytes; custom data holds at most ${MAX_SCRIPT_BYTES}. `
        + 'Fix: move large content (installers, site files) to a download in a step instead of inlining it.');
    }
  }

  /** The whole PowerShell script that runs in the guest. */
  public renderScript(): string {
    return this.script;
  }

  /** SHA-256 of the script: any change replaces the build VM. */
  public get scriptHash(): string {
    return createHash('sha256').update(this.script).digest('hex');
  }
}

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
  };
}

/** PowerShell literal for a parameter value. */
function psLiteral(value: string | number | boolean): string {
  if (typeof value === 'boolean') {
    return value ? '$true' : '$false';
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

function renderScript(steps: PowerShellStep[], parameters: Record<string, string | number | boolean>): string {
  const lines = [
    readScript('guest/setup-prelude.ps1').trimEnd(),
    '',
    '$GoldenSetup = @{',
    ...Object.keys(parameters).sort().map((k) => `  ${k} = ${psLiteral(parameters[k])}`),
    '}',
  ];
  // Each step travels base64-encoded, so no content of a step can end or escape its quoting.
  for (const step of steps) {
    const encoded = Buffer.from(step.script.trimEnd() + '\n', 'utf8').toString('base64');
    lines.push('', `Invoke-GoldenStep -Name '${step.name}' -Script (ConvertFrom-GoldenBase64 '${encoded}')`);
  }
  lines.push('', "Write-Output 'Setup complete.'", 'Stop-Transcript | Out-Null', 'exit 0', '');
  return lines.join('\n');
}
