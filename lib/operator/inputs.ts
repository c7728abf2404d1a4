/**
 * The inputs of the operator steps: environment variables that the constructs write and the steps read. Each is defined
 * once, here or in its step's module, with its rule: the construct checks a literal prop against it at synth, the step
 * checks the value Terraform passes (a prop given as a Terraform variable) before any az call.
 */

/** A whole number in [min, max]: a timeout, a count. */
export interface NumberInput {
  /** The environment variable. */
  readonly env: string;
  /** The construct prop it comes from, for messages; none for the operator's own tuning variables. */
  readonly prop?: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** Why these bounds, for messages: e.g. `Run Command stops scripts after 90 minutes`. */
  readonly reason?: string;
}

/** A text matching a pattern: a name or id Azure accepts. */
export interface TextInput {
  readonly env: string;
  readonly pattern: RegExp;
  /** What the pattern accepts, in words. */
  readonly description: string;
}

/** A calendar date `YYYY-MM-DD` that exists (not 2027-02-30): for the constructs at synth and the steps alike. */
export function isIsoDate(date: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) {
    return false;
  }
  const parsed = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return parsed.toISOString().slice(0, 10) === date;
}

export function inRange(input: NumberInput, value: number): boolean {
  return Number.isInteger(value) && value >= input.min && value <= input.max;
}

/** Something wrong with an input: `<variable> must be ...; got '<value>'. ...`. */
export class InvalidInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/** A value as a message may show it: JSON-quoted (no line break or control character survives), cut to 100. */
export function shown(value: string): string {
  const quoted = JSON.stringify(value);
  return quoted.length > 100 ? `${quoted.slice(0, 97)}...` : quoted;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Reads the inputs of a step, naming the construct whose props they come from in every message. */
export class InputReader {
  constructor(private readonly env: Environment, private readonly construct: string) {}

  /** A required text (empty counts as missing). */
  public text(input: TextInput): string {
    return this.check(input, this.env[input.env] ?? '');
  }

  /** An optional text: undefined when unset or empty. */
  public optionalText(input: TextInput, fallback?: string): string | undefined {
    const value = this.env[input.env] || (fallback === undefined ? undefined : this.env[fallback]) || undefined;
    return value === undefined ? undefined : this.check(input, value);
  }

  /**
   * The lines of a text given one item per line (a `\r` before each line break tolerated, empty lines skipped), each
   * checked against the input's pattern: `a line of <variable> must be ...`.
   */
  public lines(input: TextInput): string[] {
    const lines = (this.env[input.env] ?? '').split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line !== '');
    for (const line of lines) {
      if (!input.pattern.test(line)) {
        throw new InvalidInput(`a line of ${input.env} must be ${input.description}; got ${shown(line)}. ${this.origin()}`);
      }
    }
    return lines;
  }

  /** An input that breaks a rule beyond its pattern: the message, and where the value comes from. */
  public invalid(message: string): InvalidInput {
    return new InvalidInput(`${message} ${this.origin()}`);
  }

  /** A whole number without leading zeros in the input's range; its default when unset or empty. */
  public number(input: NumberInput): number {
    const raw = this.env[input.env];
    return raw === undefined || raw === '' ? input.default : this.checkNumber(input, raw);
  }

  /** A whole number without leading zeros in the input's range that must be given: unset or empty is invalid. */
  public requiredNumber(input: NumberInput): number {
    return this.checkNumber(input, this.env[input.env] ?? '');
  }

  private checkNumber(input: NumberInput, raw: string): number {
    if (!/^(0|[1-9][0-9]{0,5})$/.test(raw)) {
      throw new InvalidInput(`${input.env} must be a whole number; got ${shown(raw)}. ${this.origin(input.prop ?? null)}`);
    }
    const value = Number(raw);
    if (!inRange(input, value)) {
      throw new InvalidInput(`${input.env} must be between ${input.min} and ${input.max}${input.reason ? ` (${input.reason})` : ''}; got ${value}. ${this.origin(input.prop ?? null)}`);
    }
    return value;
  }

  private check(input: TextInput, value: string): string {
    if (!input.pattern.test(value)) {
      throw new InvalidInput(`${input.env} must be ${input.description}; got ${shown(value)}. ${this.origin()}`);
    }
    return value;
  }

  private origin(prop?: string | null): string {
    if (prop === null) {
      return "It is one of the operator's tuning variables: unset it to use the default.";
    }
    return `It comes from the ${this.construct} construct's props${prop ? ` (${prop})` : ''} (or a Terraform variable given to them).`;
  }
}

const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/**
 * Azure's naming rules ("Naming rules and restrictions for Azure resources" on Microsoft Learn): resource groups
 * 1-90 letters, digits, _ - . ( ), not ending in a period; VMs letters, digits and hyphens. Nothing else gets through,
 * in particular no space, quote, $, ;, @ or =.
 */
export const RESOURCE_GROUP: TextInput = {
  env: 'GOLDEN_RESOURCE_GROUP',
  pattern: /^[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]$/,
  description: 'an Azure resource group name (1-90 letters, digits, _ - . ( ), not ending in a period)',
};
export const VM_NAME: TextInput = {
  env: 'GOLDEN_VM_NAME',
  pattern: /^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/,
  description: 'an Azure VM name (1-64 letters, digits and hyphens, not starting or ending with a hyphen)',
};
export const SUBSCRIPTION_ID: TextInput = {
  env: 'GOLDEN_SUBSCRIPTION_ID',
  pattern: GUID,
  description: 'a subscription id (a GUID)',
};
export const GUEST_DIRECTORY: TextInput = {
  env: 'GOLDEN_GUEST_DIRECTORY',
  pattern: /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/,
  description: 'the relative path of the guest scripts directory (letters, digits, _ . / -)',
};
/** A region's name as Azure's APIs and azurerm write it (lower case, no spaces), e.g. westeurope; the inputs that are regions use it. */
export const REGION_NAME: Pick<TextInput, 'pattern' | 'description'> = {
  pattern: /^[a-z][a-z0-9]{2,40}$/, description: 'an Azure region name such as westeurope',
};
/** A build's revision: the time of its plan, YYYYMMDDhhmmss (so the newest sorts last). */
export const BUILD_REVISION: TextInput = {
  env: 'GOLDEN_BUILD_REVISION', pattern: /^[0-9]{14}$/, description: 'a build revision (14 digits, YYYYMMDDhhmmss)',
};
export const CLIENT_ID: TextInput = { env: 'ARM_CLIENT_ID', pattern: GUID, description: 'a client id (a GUID)' };
export const TENANT_ID: TextInput = {
  env: 'ARM_TENANT_ID',
  pattern: /^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$/,
  description: 'a tenant id (a GUID or a domain name)',
};

/** Tuning of every step: how often progress is printed and the VM polled, and how az failures are retried. */
export const POLL_SECONDS: NumberInput = { env: 'GOLDEN_POLL_SECONDS', min: 1, max: 3600, default: 15 };
export const RETRY_BASE_SECONDS: NumberInput = { env: 'GOLDEN_RETRY_BASE_SECONDS', min: 0, max: 300, default: 5 };
export const RETRY_MAX_ATTEMPTS: NumberInput = { env: 'GOLDEN_RETRY_MAX_ATTEMPTS', min: 1, max: 20, default: 6 };
export const AGENT_WAIT_SECONDS: NumberInput = {
  env: 'GOLDEN_AGENT_WAIT_SECONDS', min: 0, max: 7200, default: 600,
};

export interface Tuning {
  readonly pollSeconds: number;
  readonly retryBaseSeconds: number;
  readonly retryMaxAttempts: number;
  readonly agentWaitSeconds: number;
}

export function readTuning(reader: InputReader): Tuning {
  return {
    pollSeconds: reader.number(POLL_SECONDS),
    retryBaseSeconds: reader.number(RETRY_BASE_SECONDS),
    retryMaxAttempts: reader.number(RETRY_MAX_ATTEMPTS),
    agentWaitSeconds: reader.number(AGENT_WAIT_SECONDS),
  };
}
