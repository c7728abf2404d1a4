/**
 * The exit codes of the operator stage, one meaning each, the same for every step (README: "Exit codes of the operator
 * steps"). A step ends with a code by throwing an `OperatorFailure`; the program prints its message and exits.
 */
export const ExitCode = {
  OK: 0,
  /** Unexpected: a bug of the operator itself. */
  INTERNAL: 1,
  /** An input (environment variable) is invalid. */
  INVALID_INPUT: 2,
  /** The Azure CLI cannot be used: missing, too old, crashing, lacking a module, not logged in, session expired. */
  AZ_UNUSABLE: 3,
  /** A limit was reached (a call, an operation, the VM agent). */
  TIMEOUT: 4,
  /** Sysprep failed in the guest. */
  SYSPREP_FAILED: 5,
  /** The same code as SYSPREP_FAILED: the setup or its cleanup failed in the guest. */
  SETUP_FAILED: 5,
  /** An az call failed. */
  AZ_FAILED: 6,
  /** The VM is in a state the step cannot continue from. */
  UNEXPECTED_STATE: 7,
  /** The VM or its resource group does not exist (deleted before or during the run). */
  NOT_FOUND: 8,
  /** A canary failed (gallery-canary): the version stays excluded from latest. */
  CANARY_FAILED: 9,
  /** The latest rolling upgrade of a scale set Faulted or was Cancelled (verify-scale-set). */
  ROLLING_UPGRADE_STOPPED: 10,
  /** Some VMs or instances never answered with their computer name by the deadline (verify-fleet, verify-scale-set). */
  NOT_ANSWERED: 11,
  /** No temporary directory. */
  NO_TEMP_DIRECTORY: 12,
  /**
   * The marketplace version Terraform's lookup chose for `latest` is older than the newest Azure lists (azurerm takes
   * the last of a list Azure sorts as text: terraform-provider-azurerm issue 31577): the build would move backwards.
   */
  BASE_IMAGE_NOT_NEWEST: 13,
  /**
   * The marketplace image's purchase plan is not the one the MarketplaceImage declares (missing, extra or different):
   * Azure creates a VM from a plan image only with its own plan (base-image).
   */
  PURCHASE_PLAN_MISMATCH: 14,
  /** The terms of the marketplace image's purchase plan are not accepted in the subscription (base-image). */
  TERMS_NOT_ACCEPTED: 15,
} as const;

/** Ends the step with an exit code and a message (printed as `ERROR: <message>`). */
export class OperatorFailure extends Error {
  constructor(public readonly exitCode: number, message: string) {
    super(message);
    this.name = 'OperatorFailure';
  }
}

/** Ends the step: interrupted by a signal (exit code 128 + the signal's number, as a shell reports it). */
export class Interrupted extends Error {
  constructor(public readonly signal: 'SIGHUP' | 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }

  get exitCode(): number {
    return { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[this.signal];
  }
}
