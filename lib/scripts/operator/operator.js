// Generated from lib/operator by `npx projen bundle:operator` (projenrc/bundle-operator.ts): edit the TypeScript, not this file.
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// lib/operator/az-process.ts
var import_child_process = require("child_process");
var fs = __toESM(require("fs"));
var path = __toESM(require("path"));
function findAz(env, platform = process.platform, files = LOCAL_FILES) {
  const pathModule = platform === "win32" ? path.win32 : path.posix;
  const directories = (env.PATH ?? env.Path ?? "").split(platform === "win32" ? ";" : ":").filter((d) => d !== "");
  for (const directory of directories) {
    if (platform !== "win32") {
      const candidate = pathModule.join(directory, "az");
      if (files.isExecutableFile(candidate)) {
        return { file: candidate, prefix: [] };
      }
      continue;
    }
    const exe = pathModule.join(directory, "az.exe");
    if (files.isFile(exe)) {
      return { file: exe, prefix: [] };
    }
    const cmd = pathModule.join(directory, "az.cmd");
    if (files.isFile(cmd)) {
      const python = pathModule.join(directory, "..", "python.exe");
      if (files.isFile(python)) {
        return { file: python, prefix: ["-IBm", "azure.cli"] };
      }
    }
  }
  return void 0;
}
var LOCAL_FILES = { isFile: isLocalFile, isExecutableFile: isLocalExecutableFile };
function isLocalFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
function isLocalExecutableFile(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
var SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
function processAzRunner(program) {
  return (invocation) => new Promise((resolve2) => {
    const stdout = [];
    const stderr = [];
    const child = (0, import_child_process.spawn)(program.file, [...program.prefix, ...invocation.args], {
      env: definedOnly(invocation.env),
      cwd: invocation.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      shell: false,
      windowsHide: true
    });
    const stop = () => child.kill("SIGTERM");
    invocation.signal.addEventListener("abort", stop, { once: true });
    child.stdout.on("data", (chunk) => stdout.push(chunk));
    child.stderr.on("data", (chunk) => stderr.push(chunk));
    child.stdin.on("error", () => void 0);
    child.stdin.end(invocation.stdin ?? "");
    let spawnError;
    child.on("error", (error) => {
      spawnError = error;
    });
    child.on("close", (code, signal) => {
      invocation.signal.removeEventListener("abort", stop);
      const text = Buffer.concat(stderr).toString("utf8");
      resolve2({
        exitCode: code ?? (signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : 127),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: spawnError ? `${text}${spawnError.message}
` : text
      });
    });
  });
}
function definedOnly(env) {
  const result = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== void 0) {
      result[key] = value;
    }
  }
  return result;
}

// lib/operator/clock.ts
var systemClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => new Promise((resolve2) => {
    if (signal?.aborted) {
      resolve2();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve2();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  })
};

// lib/operator/inputs.ts
function isIsoDate(date) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) {
    return false;
  }
  const parsed = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return parsed.toISOString().slice(0, 10) === date;
}
function inRange(input, value) {
  return Number.isInteger(value) && value >= input.min && value <= input.max;
}
var InvalidInput = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidInput";
  }
};
function shown(value) {
  const quoted = JSON.stringify(value);
  return quoted.length > 100 ? `${quoted.slice(0, 97)}...` : quoted;
}
var InputReader = class {
  constructor(env, construct) {
    this.env = env;
    this.construct = construct;
  }
  env;
  construct;
  /** A required text (empty counts as missing). */
  text(input) {
    return this.check(input, this.env[input.env] ?? "");
  }
  /** An optional text: undefined when unset or empty. */
  optionalText(input, fallback) {
    const value = this.env[input.env] || (fallback === void 0 ? void 0 : this.env[fallback]) || void 0;
    return value === void 0 ? void 0 : this.check(input, value);
  }
  /**
   * The lines of a text given one item per line (a `\r` before each line break tolerated, empty lines skipped), each
   * checked against the input's pattern: `a line of <variable> must be ...`.
   */
  lines(input) {
    const lines2 = (this.env[input.env] ?? "").split("\n").map((line) => line.replace(/\r$/, "")).filter((line) => line !== "");
    for (const line of lines2) {
      if (!input.pattern.test(line)) {
        throw new InvalidInput(`a line of ${input.env} must be ${input.description}; got ${shown(line)}. ${this.origin()}`);
      }
    }
    return lines2;
  }
  /** An input that breaks a rule beyond its pattern: the message, and where the value comes from. */
  invalid(message) {
    return new InvalidInput(`${message} ${this.origin()}`);
  }
  /** A whole number without leading zeros in the input's range; its default when unset or empty. */
  number(input) {
    const raw = this.env[input.env];
    return raw === void 0 || raw === "" ? input.default : this.checkNumber(input, raw);
  }
  /** A whole number without leading zeros in the input's range that must be given: unset or empty is invalid. */
  requiredNumber(input) {
    return this.checkNumber(input, this.env[input.env] ?? "");
  }
  checkNumber(input, raw) {
    if (!/^(0|[1-9][0-9]{0,5})$/.test(raw)) {
      throw new InvalidInput(`${input.env} must be a whole number; got ${shown(raw)}. ${this.origin(input.prop ?? null)}`);
    }
    const value = Number(raw);
    if (!inRange(input, value)) {
      throw new InvalidInput(`${input.env} must be between ${input.min} and ${input.max}${input.reason ? ` (${input.reason})` : ""}; got ${value}. ${this.origin(input.prop ?? null)}`);
    }
    return value;
  }
  check(input, value) {
    if (!input.pattern.test(value)) {
      throw new InvalidInput(`${input.env} must be ${input.description}; got ${shown(value)}. ${this.origin()}`);
    }
    return value;
  }
  origin(prop) {
    if (prop === null) {
      return "It is one of the operator's tuning variables: unset it to use the default.";
    }
    return `It comes from the ${this.construct} construct's props${prop ? ` (${prop})` : ""} (or a Terraform variable given to them).`;
  }
};
var GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
var RESOURCE_GROUP = {
  env: "GOLDEN_RESOURCE_GROUP",
  pattern: /^[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]$/,
  description: "an Azure resource group name (1-90 letters, digits, _ - . ( ), not ending in a period)"
};
var VM_NAME = {
  env: "GOLDEN_VM_NAME",
  pattern: /^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/,
  description: "an Azure VM name (1-64 letters, digits and hyphens, not starting or ending with a hyphen)"
};
var SUBSCRIPTION_ID = {
  env: "GOLDEN_SUBSCRIPTION_ID",
  pattern: GUID,
  description: "a subscription id (a GUID)"
};
var GUEST_DIRECTORY = {
  env: "GOLDEN_GUEST_DIRECTORY",
  pattern: /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/,
  description: "the relative path of the guest scripts directory (letters, digits, _ . / -)"
};
var REGION_NAME = {
  pattern: /^[a-z][a-z0-9]{2,40}$/,
  description: "an Azure region name such as westeurope"
};
var BUILD_REVISION = {
  env: "GOLDEN_BUILD_REVISION",
  pattern: /^[0-9]{14}$/,
  description: "a build revision (14 digits, YYYYMMDDhhmmss)"
};
var CLIENT_ID = { env: "ARM_CLIENT_ID", pattern: GUID, description: "a client id (a GUID)" };
var TENANT_ID = {
  env: "ARM_TENANT_ID",
  pattern: /^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$/,
  description: "a tenant id (a GUID or a domain name)"
};
var POLL_SECONDS = { env: "GOLDEN_POLL_SECONDS", min: 1, max: 3600, default: 15 };
var RETRY_BASE_SECONDS = { env: "GOLDEN_RETRY_BASE_SECONDS", min: 0, max: 300, default: 5 };
var RETRY_MAX_ATTEMPTS = { env: "GOLDEN_RETRY_MAX_ATTEMPTS", min: 1, max: 20, default: 6 };
var AGENT_WAIT_SECONDS = {
  env: "GOLDEN_AGENT_WAIT_SECONDS",
  min: 0,
  max: 7200,
  default: 600
};
function readTuning(reader) {
  return {
    pollSeconds: reader.number(POLL_SECONDS),
    retryBaseSeconds: reader.number(RETRY_BASE_SECONDS),
    retryMaxAttempts: reader.number(RETRY_MAX_ATTEMPTS),
    agentWaitSeconds: reader.number(AGENT_WAIT_SECONDS)
  };
}

// lib/operator/gallery-line.ts
var GALLERY_CONSTRUCT = "GalleryImageVersion";
var GALLERY_STEPS_NAME = "gallery";
var GALLERY_RESOURCE_GROUP = { ...RESOURCE_GROUP, env: "GOLDEN_GALLERY_RESOURCE_GROUP" };
var GALLERY_NAME = {
  env: "GOLDEN_GALLERY_NAME",
  pattern: /^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/,
  description: "a gallery name (1-80 letters, digits, underscores and periods, starting and ending with a letter or digit)"
};
var GALLERY_IMAGE = {
  env: "GOLDEN_GALLERY_IMAGE",
  pattern: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/,
  description: "an image definition name (1-80 letters, digits, hyphens, underscores and periods, starting and ending with a letter or digit)"
};
var GALLERY_VERSION = {
  env: "GOLDEN_GALLERY_VERSION",
  pattern: /^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$/,
  description: "a gallery image version X.Y.Z (whole numbers without leading zeros)"
};
var MAX_VERSION_PART = 2147483647;
function readGalleryLine(reader) {
  return {
    subscriptionId: reader.optionalText(SUBSCRIPTION_ID, "ARM_SUBSCRIPTION_ID"),
    resourceGroup: reader.text(GALLERY_RESOURCE_GROUP),
    gallery: reader.text(GALLERY_NAME),
    definition: reader.text(GALLERY_IMAGE)
  };
}
function readGalleryVersion(reader) {
  const version = reader.text(GALLERY_VERSION);
  if (version.split(".").some((part) => Number(part) > MAX_VERSION_PART)) {
    throw new InvalidInput(`${GALLERY_VERSION.env} must be X.Y.Z with each part at most ${MAX_VERSION_PART}; got ${version}.`);
  }
  return version;
}
function lineName(line) {
  return `${line.gallery}/${line.definition}`;
}
function definitionArgs(line) {
  return [
    ...line.subscriptionId === void 0 ? [] : [`--subscription=${line.subscriptionId}`],
    `--resource-group=${line.resourceGroup}`,
    `--gallery-name=${line.gallery}`,
    `--gallery-image-definition=${line.definition}`
  ];
}
function versionArgs(line, version) {
  return [...definitionArgs(line), `--gallery-image-version=${version}`];
}

// lib/operator/failure.ts
var ExitCode = {
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
  TERMS_NOT_ACCEPTED: 15
};
var OperatorFailure = class extends Error {
  constructor(exitCode, message) {
    super(message);
    this.exitCode = exitCode;
    this.name = "OperatorFailure";
  }
  exitCode;
};
var Interrupted = class extends Error {
  constructor(signal) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
    this.name = "Interrupted";
  }
  signal;
  get exitCode() {
    return { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[this.signal];
  }
};

// lib/operator/operator.ts
var fs2 = __toESM(require("fs"));
var os = __toESM(require("os"));
var path2 = __toESM(require("path"));

// lib/operator/http.ts
var http = __toESM(require("http"));
var https = __toESM(require("https"));
var MAX_PAGE_BYTES = 1024 * 1024;
var MAX_REDIRECTS = 5;
var nodeHttpClient = (request) => new Promise((resolve2) => {
  let settled = false;
  let current;
  const finish = (result) => {
    if (!settled) {
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener("abort", onAbort);
      current?.destroy();
      resolve2(result);
    }
  };
  const timer = setTimeout(() => finish({ kind: "failed", error: `no answer within ${request.timeoutSeconds}s` }), request.timeoutSeconds * 1e3);
  const onAbort = () => finish({ kind: "failed", error: "interrupted" });
  if (request.signal.aborted) {
    onAbort();
    return;
  }
  request.signal.addEventListener("abort", onAbort, { once: true });
  const get = (url, redirects) => {
    const client = url.protocol === "https:" ? https : http;
    current = client.get(url, { agent: false, headers: { "Connection": "close", "User-Agent": "azure-golden-image-operator" } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== void 0) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) {
          finish({ kind: "failed", error: `more than ${MAX_REDIRECTS} redirects` });
          return;
        }
        let next;
        try {
          next = new URL(location, url);
        } catch {
          finish({ kind: "failed", error: `a redirect to ${JSON.stringify(location.slice(0, 200))}, which is no URL` });
          return;
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          finish({ kind: "failed", error: `a redirect to ${next.protocol} (only http and https are followed)` });
          return;
        }
        get(next, redirects + 1);
        return;
      }
      const chunks = [];
      let size = 0;
      const done = () => finish({
        kind: "answer",
        status,
        statusText: response.statusMessage ?? "",
        body: Buffer.concat(chunks).toString("utf8")
      });
      response.on("data", (chunk) => {
        if (size < MAX_PAGE_BYTES) {
          chunks.push(chunk.subarray(0, MAX_PAGE_BYTES - size));
          size += chunk.length;
        }
        if (size >= MAX_PAGE_BYTES) {
          done();
        }
      });
      response.on("end", done);
      response.on("error", (error) => finish({ kind: "failed", error: error.message }));
    });
    current.on("error", (error) => finish({ kind: "failed", error: error.message }));
  };
  try {
    get(new URL(request.url), 0);
  } catch (error) {
    finish({ kind: "failed", error: error.message });
  }
});

// lib/operator/operator.ts
var Operator = class {
  name;
  construct;
  env;
  clock;
  azRunner;
  http;
  interrupt;
  cwd;
  /** The part of the step running now, named in the message of an interruption. */
  phase = "start";
  /** What an interruption leaves and what to do, for its message: each step says it for itself. */
  interruptNote = "The resources are left as they are: run the deployment again to resume (steps already done are detected and skipped).";
  output;
  started;
  temporaryDirectories = [];
  constructor(options) {
    this.name = options.name;
    this.construct = options.construct;
    this.env = options.env;
    this.clock = options.clock;
    this.azRunner = options.az;
    this.http = options.http ?? nodeHttpClient;
    this.output = options.output;
    this.interrupt = options.interrupt;
    this.cwd = options.cwd;
    this.started = options.clock.now();
  }
  /** Whole seconds since the start. */
  elapsedSeconds() {
    return Math.floor((this.clock.now() - this.started) / 1e3);
  }
  log(message) {
    this.output.stdout(`[${this.name} +${this.elapsedSeconds()}s] ${message}
`);
  }
  /** Lines printed as they are (az's and the guest's output), each with a prefix, on stdout or stderr. */
  print(prefix, text, stream = "stdout") {
    const lines2 = text.split(/\r?\n/).filter((line) => line.trim() !== "");
    if (lines2.length > 0) {
      this.output[stream](lines2.map((line) => `${prefix}${line}
`).join(""));
    }
  }
  warn(message) {
    this.output.stderr(`[${this.name} +${this.elapsedSeconds()}s] WARNING: ${message}
`);
  }
  errorLine(message) {
    this.output.stderr(`[${this.name} +${this.elapsedSeconds()}s] ERROR: ${message}
`);
  }
  fail(exitCode, message) {
    throw new OperatorFailure(exitCode, message);
  }
  /** Throws `Interrupted` when the process was interrupted: call after every wait. */
  checkInterrupted() {
    if (this.interrupt.aborted) {
      throw new Interrupted(this.interrupt.reason);
    }
  }
  /** Waits `seconds`, printing `<phase>: <reason>, <n>s of <seconds>s` every `pollSeconds`. */
  async pause(phase, seconds2, reason, pollSeconds) {
    const started = this.clock.now();
    const end = started + seconds2 * 1e3;
    let nextProgress = started + pollSeconds * 1e3;
    while (this.clock.now() < end) {
      await this.clock.sleep(Math.min(end, nextProgress) - this.clock.now(), this.interrupt);
      this.checkInterrupted();
      if (this.clock.now() >= nextProgress && this.clock.now() < end) {
        this.log(`${phase}: ${reason}, ${Math.floor((this.clock.now() - started) / 1e3)}s of ${seconds2}s`);
        nextProgress = this.clock.now() + pollSeconds * 1e3;
      }
    }
  }
  /**
   * A new private directory in the system's temporary directory (TMPDIR, TEMP or /tmp), removed when the step ends;
   * fails with exit code 12 saying why there is none.
   */
  temporaryDirectory(purpose) {
    const root = this.env.TMPDIR || this.env.TEMP || this.env.TMP || os.tmpdir();
    try {
      const directory = fs2.mkdtempSync(path2.join(root, `${this.name}-${purpose}-`));
      this.temporaryDirectories.push(directory);
      return directory;
    } catch (error) {
      return this.fail(ExitCode.NO_TEMP_DIRECTORY, `${temporaryRootProblem(root, this.env)}, so the operator cannot create the temporary directory it keeps ${purpose} in (${error.message}). Fix: set TMPDIR (TEMP on Windows) to an existing writable directory in the environment that runs Terraform, then run the deployment again.`);
    }
  }
  /** Removes the temporary directories. */
  cleanUp() {
    for (const directory of this.temporaryDirectories.splice(0)) {
      fs2.rmSync(directory, { recursive: true, force: true });
    }
  }
};
function temporaryRootProblem(root, env) {
  const where2 = env.TMPDIR !== void 0 ? `TMPDIR=${JSON.stringify(env.TMPDIR)}` : `the temporary directory ${JSON.stringify(root)}`;
  let stat;
  try {
    stat = fs2.statSync(root);
  } catch {
    return `${where2} does not exist`;
  }
  if (!stat.isDirectory()) {
    return `${where2} is not a directory`;
  }
  try {
    fs2.accessSync(root, fs2.constants.W_OK);
  } catch {
    return `${where2} is not writable`;
  }
  return `${where2} is a writable directory, but no directory could be created in it (is the disk full?)`;
}

// lib/operator/run.ts
async function runStep(step, options) {
  const op = new Operator({ ...options, name: step.name, construct: step.construct });
  try {
    await step.run(op);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof OperatorFailure) {
      op.errorLine(error.message);
      return error.exitCode;
    }
    if (error instanceof InvalidInput) {
      op.errorLine(error.message);
      return ExitCode.INVALID_INPUT;
    }
    if (error instanceof Interrupted) {
      op.errorLine(`interrupted by ${error.signal} during ${op.phase}${error.signal === "SIGHUP" ? " (the terminal or SSH session that ran the deployment was closed?)" : ""}. ${op.interruptNote}`);
      return error.exitCode;
    }
    op.errorLine(`unexpected error in ${op.phase}, a bug of azure-golden-image's operator (please report it with this output): ${error?.stack ?? String(error)}`);
    return ExitCode.INTERNAL;
  } finally {
    op.cleanUp();
  }
}

// lib/operator/az.ts
var fs3 = __toESM(require("fs"));
var path3 = __toESM(require("path"));

// lib/operator/faults.ts
var TRANSIENT = /TooManyRequests|Too Many Requests|[Tt]hrottl|(^|[^0-9])(429|500|502|503|504) (Client|Server) Error|InternalServerError|Internal Server Error|ServiceUnavailable|Service Unavailable|GatewayTimeout|Gateway Timeout|BadGateway|Bad Gateway|InternalExecutionError|RetryableError|Connection aborted|ConnectionResetError|Connection reset|ConnectionError|Max retries exceeded|Temporary failure in name resolution|Read timed out/;
var NOT_FOUND = /ResourceNotFound|ResourceGroupNotFound|\(NotFound\)|Code: NotFound/;
var RUN_COMMAND_BUSY = /Run command extension execution is in progress/;
var AGENT_NOT_READY = /VMAgentStatusCommunicationError|has not reported (latest )?status for (VM agent|extension)|[Aa]gent (status )?is not ready|[Gg]uest agent is not ready|GuestAgentNotReady/;
var AZ_CRASH = /Traceback \(most recent call last\)|The command failed with an unexpected error/;
var AZ_MODULE = /ModuleNotFoundError|No module named '|ImportError|cannot import name '/;
var SESSION_EXPIRED = /AADSTS700082|AADSTS70043|AADSTS50173|AADSTS7000222|The refresh token has expired|InvalidAuthenticationTokenTokenExpired|ExpiredAuthenticationToken|Please run 'az login' to setup account|Interactive authentication is needed/;
function isTransient(result) {
  return TRANSIENT.test(result.stderr);
}
function isNotFound(result) {
  return NOT_FOUND.test(result.stderr);
}
function isRunCommandBusy(result) {
  return RUN_COMMAND_BUSY.test(result.stderr);
}
function azFault(result) {
  const { stderr, exitCode } = result;
  if (AZ_MODULE.test(stderr)) {
    return "module";
  }
  if (AZ_CRASH.test(stderr) || exitCode === 126 || exitCode === 127 || exitCode > 128 && exitCode < 160) {
    return "crash";
  }
  if (SESSION_EXPIRED.test(stderr)) {
    return "expired";
  }
  if (AGENT_NOT_READY.test(stderr)) {
    return "agent";
  }
  return void 0;
}
function matchingLine(result, kind, length) {
  const pattern = kind === "expired" ? SESSION_EXPIRED : AGENT_NOT_READY;
  return (lines(result.stderr).find((line) => pattern.test(line)) ?? "").slice(0, length);
}
function firstErrorLine(result) {
  return (lines(result.stderr).find((line) => line.trim() !== "") ?? "").slice(0, 200);
}
var SIGNAL_NAMES = { 1: "HUP", 2: "INT", 3: "QUIT", 6: "ABRT", 9: "KILL", 11: "SEGV", 13: "PIPE", 15: "TERM" };
function crashLine(result) {
  const exception = lines(result.stderr).filter((line2) => /^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception)(: |$)/.test(line2)).pop();
  const line = exception?.slice(0, 200) ?? firstErrorLine(result);
  if (line !== "") {
    return line;
  }
  if (result.exitCode > 128) {
    const n = result.exitCode - 128;
    return `az was killed by SIG${SIGNAL_NAMES[n] ?? n} (exit status ${result.exitCode})`;
  }
  return `az exited with status ${result.exitCode} and printed nothing`;
}
function missingModule(result) {
  let found;
  for (const line of lines(result.stderr)) {
    const match = /No module named '([^']+)'/.exec(line) ?? /cannot import name '[^']+' from '([^']+)'/.exec(line);
    if (match) {
      found = match[1];
    }
  }
  return found;
}
function retryAfterSeconds(result) {
  const match = /Retry-After['"]?\s*[:=]\s*['"]?(\d{1,6})\b/i.exec(result.stderr) ?? /(?:retry|try again) after '?(\d{1,6})'? ?(?:seconds?|s)\b/i.exec(result.stderr);
  return match ? Number(match[1]) : void 0;
}
function lines(text) {
  return text.split(/\r?\n/);
}

// lib/operator/versions.ts
var DOTTED_NUMBERS = /^[0-9]+(\.[0-9]+)*$/;
function compareVersions(a, b) {
  const partsA = versionParts(a);
  const partsB = versionParts(b);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const order = compareWholeNumbers(partsA[i] ?? "0", partsB[i] ?? "0");
    if (order !== 0) {
      return order;
    }
  }
  return 0;
}
function newestVersion(versions) {
  let newest;
  for (const version of versions) {
    if (newest === void 0 || compareVersions(version, newest) > 0) {
      newest = version;
    }
  }
  return newest;
}
function versionParts(version) {
  if (!DOTTED_NUMBERS.test(version)) {
    throw new Error(`not a dotted version number: ${JSON.stringify(version)}`);
  }
  return version.split(".");
}
function compareWholeNumbers(a, b) {
  const x = a.replace(/^0+(?=.)/, "");
  const y = b.replace(/^0+(?=.)/, "");
  if (x.length !== y.length) {
    return Math.sign(x.length - y.length);
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

// lib/operator/az.ts
var TIMED_OUT = "timed out";
var MINIMUM_AZ_VERSION = "2.44.0";
var QUERY_SECONDS = 300;
var Az = class {
  constructor(op, tuning, notFound) {
    this.op = op;
    this.tuning = tuning;
    this.notFound = notFound;
    this.env = { ...op.env };
  }
  op;
  tuning;
  notFound;
  /** az's environment: the operator's, with a private AZURE_CONFIG_DIR once the step logged in itself. */
  env;
  /** The arguments of the last call, for messages about az's installation. */
  lastArgs = [];
  /** One az call: its result, or `TIMED_OUT` when it did not end within `limitSeconds` (az is then stopped). */
  async once(phase, limitSeconds, args, stdin) {
    return this.run(phase, limitSeconds, args, stdin, this.op.interrupt);
  }
  /**
   * One az call after the step was interrupted (SIGTERM, SIGINT, SIGHUP), which does not stop it: the last call of a
   * step on its way out, e.g. starting the deletion of what it made. Bounded by `limitSeconds` alone.
   */
  async afterInterruption(phase, limitSeconds, args) {
    return this.run(phase, limitSeconds, args, void 0, new AbortController().signal);
  }
  async run(phase, limitSeconds, args, stdin, interrupt) {
    const runner = this.op.azRunner;
    if (runner === void 0) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, "the Azure CLI (az) is not on PATH. Install it (https://aka.ms/azure-cli) on the machine that runs Terraform.");
    }
    const { clock } = this.op;
    this.lastArgs = args;
    const stop = new AbortController();
    const stopOnInterrupt = () => stop.abort();
    interrupt.addEventListener("abort", stopOnInterrupt, { once: true });
    let finished;
    const running = runner({ args, stdin, env: this.env, signal: stop.signal, cwd: this.op.cwd }).then((result) => {
      finished = result;
      return result;
    });
    const started = clock.now();
    const end = started + limitSeconds * 1e3;
    let nextProgress = started + this.tuning.pollSeconds * 1e3;
    try {
      while (finished === void 0) {
        if (interrupt.aborted) {
          stop.abort();
          await running;
          this.checkInterrupted(interrupt);
        }
        if (clock.now() >= end) {
          stop.abort();
          await running;
          return TIMED_OUT;
        }
        if (clock.now() >= nextProgress) {
          this.op.log(`${phase}: waiting for ${commandWords(args)}, ${Math.floor((clock.now() - started) / 1e3)}s of ${limitSeconds}s`);
          nextProgress = clock.now() + this.tuning.pollSeconds * 1e3;
        }
        const wake = new AbortController();
        const wakeOnInterrupt = () => wake.abort();
        interrupt.addEventListener("abort", wakeOnInterrupt, { once: true });
        await Promise.race([running, clock.sleep(Math.min(end, nextProgress) - clock.now(), wake.signal)]);
        wake.abort();
        interrupt.removeEventListener("abort", wakeOnInterrupt);
      }
    } finally {
      interrupt.removeEventListener("abort", stopOnInterrupt);
    }
    this.checkInterrupted(interrupt);
    return finished;
  }
  /** Throws `Interrupted` when `interrupt` is the step's own and the step was interrupted. */
  checkInterrupted(interrupt) {
    if (interrupt === this.op.interrupt) {
      this.op.checkInterrupted();
    }
  }
  /**
   * An az call, retrying transient failures (throttling, server errors, broken connections) while attempts and the
   * call's limit allow: after the `Retry-After` Azure gave, else after a delay doubled each time (at most 300 s).
   * A missing resource is never retried.
   */
  async call(phase, limitSeconds, args, stdin) {
    const { clock } = this.op;
    const deadline = clock.now() + limitSeconds * 1e3;
    let delay = this.tuning.retryBaseSeconds;
    for (let attempt = 1; ; attempt++) {
      const remaining = Math.max(1, Math.ceil((deadline - clock.now()) / 1e3));
      const result = await this.once(phase, remaining, args, stdin);
      if (result === TIMED_OUT || result.exitCode === 0 || isNotFound(result) || !isTransient(result)) {
        return result;
      }
      if (attempt >= this.tuning.retryMaxAttempts) {
        this.op.log(`${phase}: ${commandWords(args)} still failing after ${attempt} attempts: giving up`);
        return result;
      }
      const asked = retryAfterSeconds(result);
      const wait = asked ?? delay;
      if (clock.now() + wait * 1e3 >= deadline) {
        this.op.log(`${phase}: ${commandWords(args)} failed transiently, and the next attempt after ${wait}s${asked === void 0 ? "" : " (as Azure asked: Retry-After)"} would pass the call's limit of ${limitSeconds}s: giving up`);
        return result;
      }
      this.op.log(`${phase}: transient az failure (attempt ${attempt} of ${this.tuning.retryMaxAttempts}): ${firstErrorLine(result)}`);
      this.op.log(`${phase}: retrying in ${wait}s${asked === void 0 ? "" : " (as Azure asked: Retry-After)"}`);
      await this.op.pause(phase, wait, "waiting before the next attempt", this.tuning.pollSeconds);
      delay = Math.min(delay * 2, 300);
    }
  }
  /**
   * An az call that must succeed: exit code 4 with `failure.timedOut` when it does not end within `limitSeconds`, else
   * `fail` with `failure.code` (6 by default), `failure.what` and `failure.hint` when it fails.
   */
  async mustSucceed(phase, limitSeconds, args, failure) {
    const result = await this.call(phase, limitSeconds, args);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, failure.timedOut);
    }
    if (result.exitCode !== 0) {
      return this.fail(failure.code ?? ExitCode.AZ_FAILED, failure.what, failure.hint, result);
    }
    return result;
  }
  /**
   * A query whose answer is JSON: fails with exit code 4 when it does not answer within `limitSeconds`, and with `code`
   * and `hint` (or the exit codes of `fail`) when it fails.
   */
  async query(phase, args, code, hint, limitSeconds = QUERY_SECONDS) {
    const what = `${phase}: ${commandWords(args)}`;
    const result = await this.mustSucceed(phase, limitSeconds, [...args, "--output", "json"], {
      timedOut: `${what} did not answer within ${limitSeconds}s.`,
      code,
      what,
      hint
    });
    return this.parseJson(what, result, "null");
  }
  /** A successful call's JSON answer (`whenEmpty` for no output); exit code 3 when it is not JSON. */
  parseJson(what, result, whenEmpty) {
    try {
      return JSON.parse(result.stdout === "" ? whenEmpty : result.stdout);
    } catch {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `${what} succeeded but its output is not JSON: ${JSON.stringify(result.stdout.slice(0, 200))}. Is \`az\` the Azure CLI? Check \`az version\`.`);
    }
  }
  /** The start of every step once its inputs are valid: the Azure CLI's version, then the az session. */
  async start(reader) {
    await this.checkVersion();
    await this.ensureSession(reader);
  }
  /**
   * Ends the step after a failed call: az's error output first (each line `  az| `), then exit code 3 when az crashed
   * or its session expired (after the login), 8 when the resource no longer exists, else `code` with the hint.
   * `notFound` says what is missing when the call can miss more than one thing (the step's own by default); null when
   * a missing resource is not what the failure means (the caller knows better, e.g. a replication that failed).
   */
  fail(code, what, hint, result, notFound = this.notFound ?? null) {
    this.op.print("  az| ", result.stderr, "stderr");
    this.failIfBroken(what, result);
    const fault = azFault(result);
    if (this.op.phase !== "login" && fault === "expired") {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `${what} failed: the az session expired during the run: Azure refused its token (${matchingLine(result, "expired", 200)}), and a retry would be refused too. Log in again (\`az login\`; or, when the deployment logs in with the ARM_* variables, check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID, or ARM_USE_MSI), then run the deployment again.`);
    }
    if (this.op.phase !== "login" && notFound !== null && isNotFound(result)) {
      return this.op.fail(ExitCode.NOT_FOUND, `${what} failed: ${notFound.subject} was not found: ${notFound.what} was deleted before or during this run. Nothing was retried. ${notFound.hint}`);
    }
    return this.op.fail(code, `${what} failed. ${hint}`);
  }
  /** Fails with exit code 3 when az crashed (a missing Python module, a traceback, killed), saying how to fix it. */
  failIfBroken(what, result) {
    const fault = azFault(result);
    const line = crashLine(result);
    if (fault === "module") {
      this.op.fail(ExitCode.AZ_UNUSABLE, `${what}: the Azure CLI is installed but crashes: ${line}. This installation lacks the Python module ${missingModule(result) ?? "named above"} that \`${commandWords(this.lastArgs)}\` needs: a retry or a rerun fails the same way until az is fixed. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    if (fault === "crash") {
      this.op.fail(ExitCode.AZ_UNUSABLE, `${what}: the Azure CLI is installed but crashes: ${line} (exit status ${result.exitCode}): a retry or a rerun fails the same way until az is fixed. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
  }
  /**
   * Checks once, before any other call, that az runs and is at least `MINIMUM_AZ_VERSION`: an older or broken CLI
   * would fail later, in the middle of a step, after the step changed something.
   */
  async checkVersion() {
    this.op.phase = "az version";
    const result = await this.once("az version", QUERY_SECONDS, ["version", "--output", "json"]);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `az version: the Azure CLI did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.op.print("  az| ", result.stderr, "stderr");
      this.failIfBroken("az version", result);
      return this.op.fail(ExitCode.AZ_UNUSABLE, `az version failed (exit status ${result.exitCode}): ${crashLine(result)}. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    let version;
    try {
      version = JSON.parse(result.stdout)["azure-cli"];
    } catch {
      version = void 0;
    }
    const release = typeof version === "string" ? /^\d+\.\d+\.\d+/.exec(version)?.[0] : void 0;
    if (typeof version !== "string" || release === void 0) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `az version: no azure-cli version in its output (${JSON.stringify(result.stdout.slice(0, 200))}): is \`az\` the Azure CLI? Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    if (compareVersions(release, MINIMUM_AZ_VERSION) < 0) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `az version: the Azure CLI is ${version}; the operator steps need ${MINIMUM_AZ_VERSION} or later (older ones lack commands and options the steps use). Nothing was done in Azure. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    this.op.log(`az version: azure-cli ${version}`);
  }
  /**
   * Uses az's current session, or logs in with the azurerm provider's variables when there is none: a service
   * principal (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID; the secret on az's standard input, never on a
   * command line) or a managed identity (ARM_USE_MSI=true), in a private AZURE_CONFIG_DIR removed at the end, so the
   * operator's own az profile is never changed.
   */
  async ensureSession(reader) {
    this.op.phase = "login";
    const cloud = this.expectedCloud();
    const current = await this.once("login", 60, ["account", "show", "--query", "environmentName", "--output", "tsv"]);
    if (current !== TIMED_OUT && current.exitCode === 0) {
      this.checkSessionCloud(current.stdout.trim(), cloud);
      this.op.log("login: using the current az session");
      return;
    }
    if (current !== TIMED_OUT) {
      const fault = azFault(current);
      if (fault === "module" || fault === "crash") {
        this.fail(ExitCode.AZ_UNUSABLE, "login: az account show", "", current);
      }
    }
    const env = this.op.env;
    if (env.ARM_USE_MSI === "true") {
      const clientId = reader.optionalText(CLIENT_ID);
      this.op.log("login: no az session; logging in with the managed identity (ARM_USE_MSI=true)");
      await this.usePrivateConfig(cloud);
      await this.login(
        "az login --identity",
        ["login", "--identity", ...clientId ? ["--username", clientId] : [], "--output", "none"],
        void 0,
        "Check that this machine has a managed identity with access to the VM (Virtual Machine Contributor), or log in with az login before deploying."
      );
      return;
    }
    if (env.ARM_CLIENT_ID || env.ARM_CLIENT_SECRET || env.ARM_TENANT_ID) {
      const missing = ["ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID"].filter((name) => !env[name]);
      if (missing.length > 0) {
        this.op.fail(ExitCode.AZ_UNUSABLE, `az has no session, and the service principal variables are incomplete (missing: ${missing.join(" ")}). Set all three, or run \`az login\` before deploying.`);
      }
      const clientId = reader.text(CLIENT_ID);
      const tenantId = reader.text(TENANT_ID);
      this.op.log(`login: no az session; logging in as service principal ${clientId} (ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID)`);
      await this.usePrivateConfig(cloud);
      await this.login(
        "az login --service-principal",
        ["login", "--service-principal", "--username", clientId, "--password", "@-", "--tenant", tenantId, "--output", "none"],
        env.ARM_CLIENT_SECRET,
        "Check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (the same variables the azurerm provider uses)."
      );
      return;
    }
    this.op.fail(ExitCode.AZ_UNUSABLE, "az is not logged in and no credentials were given. Run `az login` (and `az account set --subscription <id>`) on this machine before deploying, or set ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (a service principal) or ARM_USE_MSI=true (a managed identity), as for the azurerm provider.");
  }
  async login(what, args, secret, hint) {
    const result = await this.call("login", QUERY_SECONDS, args, secret);
    if (result === TIMED_OUT) {
      this.op.fail(ExitCode.TIMEOUT, `login: ${what} did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.fail(ExitCode.AZ_UNUSABLE, what, hint, result);
    }
  }
  /**
   * The az cloud the deployment targets: the one the azurerm provider's ARM_ENVIRONMENT names (AzureCloud when unset),
   * or `undefined` for a cloud the provider finds through ARM_METADATA_HOSTNAME (Azure Stack Hub, a private cloud),
   * which only a cloud registered in az (`az cloud register`) can reach. An unknown ARM_ENVIRONMENT ends the step:
   * the provider would refuse it too.
   */
  expectedCloud() {
    const env = this.op.env;
    if (env.ARM_METADATA_HOSTNAME) {
      return { from: `ARM_METADATA_HOSTNAME=${env.ARM_METADATA_HOSTNAME}` };
    }
    const environment = (env.ARM_ENVIRONMENT ?? "").trim().toLowerCase();
    if (environment === "") {
      return { name: "AzureCloud", from: "ARM_ENVIRONMENT unset (public)", implied: true };
    }
    const name = AZ_CLOUDS[environment];
    if (name === void 0) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `login: ARM_ENVIRONMENT is '${env.ARM_ENVIRONMENT}', which the azurerm provider does not know. Fix: set it to ${Object.keys(AZ_CLOUDS).join(", ")} (or unset it for public Azure), then run the deployment again.`);
    }
    return { name, from: `ARM_ENVIRONMENT=${env.ARM_ENVIRONMENT}` };
  }
  /**
   * Ends the step when az's current session is in another cloud than ARM_ENVIRONMENT names: its calls would miss every
   * resource. Without ARM_ENVIRONMENT, any session is used (the provider block may name the cloud).
   */
  checkSessionCloud(sessionCloud, cloud) {
    if (cloud.name === void 0 || cloud.implied || sessionCloud === "" || sessionCloud.toLowerCase() === cloud.name.toLowerCase()) {
      return;
    }
    this.op.fail(ExitCode.AZ_UNUSABLE, `login: az is logged in to the cloud ${sessionCloud}, but the deployment targets ${cloud.name} (${cloud.from}): every az call would look in the wrong cloud. Nothing was done in Azure. Fix: \`az cloud set --name ${cloud.name}\` and \`az login\` on this machine, or set ARM_ENVIRONMENT to the cloud az is logged in to, then run the deployment again.`);
  }
  /**
   * A private AZURE_CONFIG_DIR, removed at the end, set to the deployment's cloud: a fresh one is AzureCloud. A cloud
   * that only ARM_METADATA_HOSTNAME describes is not known to a fresh az: the step ends with how to log in to it.
   */
  async usePrivateConfig(cloud) {
    if (cloud.name === void 0) {
      this.op.fail(ExitCode.AZ_UNUSABLE, `login: az has no session, and the deployment's cloud comes from ${cloud.from}, which a fresh az configuration does not know. Fix: register it and log in on this machine before deploying (\`az cloud register --name <name> --endpoint-resource-manager https://<resource manager>/ ...\`, \`az cloud set --name <name>\`, \`az login\`): the steps then use that session.`);
    }
    this.env.AZURE_CONFIG_DIR = this.op.temporaryDirectory("az");
    if (cloud.name !== "AzureCloud") {
      const result = await this.call("login", QUERY_SECONDS, ["cloud", "set", "--name", cloud.name, "--only-show-errors", "--output", "none"]);
      if (result === TIMED_OUT) {
        this.op.fail(ExitCode.TIMEOUT, `login: az cloud set did not answer within ${QUERY_SECONDS}s.`);
      }
      if (result.exitCode !== 0) {
        this.fail(ExitCode.AZ_UNUSABLE, `az cloud set --name ${cloud.name}`, `Check ${cloud.from}.`, result);
      }
    }
  }
};
var AZ_CLOUDS = {
  public: "AzureCloud",
  usgovernment: "AzureUSGovernment",
  china: "AzureChinaCloud"
};
var UPGRADE_AZ = "upgrade or reinstall the Azure CLI (`az upgrade`, or Microsoft's package from https://aka.ms/azure-cli instead of a Linux distribution's: e.g. Debian's azure-cli 2.45 lacks SDK modules its own commands need), check `az version`";
function commandWords(args) {
  const words = [];
  for (const arg of args) {
    if (arg.startsWith("-")) {
      break;
    }
    words.push(arg);
  }
  return ["az", ...words].join(" ");
}
function guestScriptFile(op, directory, name) {
  const file = path3.resolve(op.cwd, directory, name);
  try {
    fs3.accessSync(file, fs3.constants.R_OK);
    if (fs3.statSync(file).isFile()) {
      return file;
    }
  } catch {
  }
  return op.fail(ExitCode.INVALID_INPUT, `GOLDEN_GUEST_DIRECTORY: no readable ${name} in ${JSON.stringify(directory)} from ${JSON.stringify(op.cwd)}. Run the deployment from the stack directory (cdktf and Terraform do).`);
}

// lib/operator/steps/canary.ts
var crypto = __toESM(require("crypto"));
var fs4 = __toESM(require("fs"));
var path4 = __toESM(require("path"));

// lib/operator/tags.ts
var NAME_TAG = "golden-image-name";
var REVISION_TAG = "golden-image-revision";
var BUILD_TAGS = [NAME_TAG, REVISION_TAG];
var IMAGE_TAGS_ENV = "GOLDEN_IMAGE_TAGS";
var TAG = /^[^<>%&\\?/=\x00-\x1f\x7f]+=[^\x00-\x1f\x7f]*$/;
function readExtraTags(op, env, step) {
  const tags = [];
  for (const tag of (env[IMAGE_TAGS_ENV] ?? "").split("\n")) {
    if (tag === "") {
      continue;
    }
    const eq = tag.indexOf("=");
    const key = eq < 0 ? tag : tag.slice(0, eq);
    const value = eq < 0 ? "" : tag.slice(eq + 1);
    if (!TAG.test(tag) || key.length > 512 || value.length > 256) {
      op.fail(ExitCode.INVALID_INPUT, `a line of ${IMAGE_TAGS_ENV} must be key=value, as Azure accepts tags (a key of 1-512 characters without < > % & \\ ? / =, a value of at most 256); got ${shown(tag)}. It comes from the ${op.construct} construct's props (or a Terraform variable given to them).`);
    }
    if (BUILD_TAGS.includes(key.toLowerCase())) {
      op.fail(ExitCode.INVALID_INPUT, `${IMAGE_TAGS_ENV} must not set ${shown(key)}: ${step} sets ${NAME_TAG} and ${REVISION_TAG} itself. It comes from the ${op.construct} construct's props (or a Terraform variable given to them).`);
    }
    tags.push(tag);
  }
  return tags;
}

// lib/operator/gallery-version.ts
var DELETE_MINUTES = 30;
var REPLICATION_STATUS_SECONDS = 60;
var ABSENT = "absent";
var VERSION_QUERY = `[[provisioningState, publishingProfile.excludeFromLatest, tags."${REVISION_TAG}"]]`;
var GalleryVersions = class {
  constructor(op, az, line) {
    this.op = op;
    this.az = az;
    this.line = line;
  }
  op;
  az;
  line;
  /** `<gallery>/<definition>`, for messages. */
  get name() {
    return lineName(this.line);
  }
  /** A version's state, its exclusion from latest and its revision; ABSENT when it (or its definition) does not exist. */
  async read(phase, version) {
    const what = `${phase}: az sig image-version show`;
    const result = await this.az.call(phase, QUERY_SECONDS, [
      "sig",
      "image-version",
      "show",
      ...versionArgs(this.line, version),
      "--query",
      VERSION_QUERY,
      "--output",
      "json"
    ]);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `${what} did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === void 0) {
        return { state: ABSENT };
      }
      return this.az.fail(ExitCode.AZ_FAILED, what, "Check that the identity may read the gallery.", result);
    }
    const rows = this.az.parseJson(what, result, "[]");
    const [state, excluded, revision] = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : [];
    return {
      state: typeof state === "string" && state !== "" ? state : "unknown",
      excludedFromLatest: typeof excluded === "boolean" ? excluded : void 0,
      revision: typeof revision === "string" ? revision : void 0
    };
  }
  /** Fails (exit code 2) unless the version that exists was made from build `revision`: another build's is never changed. */
  requireOwn(phase, version, revision, found) {
    if (found.revision !== revision) {
      this.op.fail(ExitCode.INVALID_INPUT, `${phase}: version ${version} of ${this.name} exists already, but it is not build ${revision} (${found.revision === void 0 ? `it has no ${REVISION_TAG} tag` : `its ${REVISION_TAG} tag is ${shown(found.revision)}`}). It is left as it is: give this build another version (${GALLERY_VERSION.env}), or delete that version if it is not needed.`);
    }
  }
  /**
   * The version exists, is build `revision`'s and Succeeded (`purpose` says what it cannot do otherwise): exit code 8
   * (with `notFoundHint`), 2 or 6 else, a version not Succeeded with its replication per region.
   */
  async requirePublished(phase, version, revision, purpose, notFoundHint) {
    const found = await this.read(phase, version);
    if (found.state === ABSENT) {
      this.op.fail(ExitCode.NOT_FOUND, `${phase}: version ${version} of image definition ${this.name} in resource group ${this.line.resourceGroup} was not found. ` + notFoundHint);
    }
    this.requireOwn(phase, version, revision, found);
    if (found.state !== "Succeeded") {
      const replication = describeReplication(await this.replication(phase, version));
      this.op.fail(ExitCode.AZ_FAILED, `${phase}: version ${version} is ${found.state}, not Succeeded (${replication}): ${purpose}. ${found.state === "Failed" ? "Fix the cause, then publish it again: replace the version's Publish step (`terraform apply -replace=<its address>`, or a new build), which deletes a failed version of its build and publishes it anew." : "Run the deployment again (the publish step waits for it, or publishes a failed one again)."}`);
    }
    return found;
  }
  /** The version's replication per region (`--expand ReplicationStatus`); never fails the step: the caller is failing already. */
  async replication(phase, version) {
    const result = await this.az.call(phase, REPLICATION_STATUS_SECONDS, [
      "sig",
      "image-version",
      "show",
      ...versionArgs(this.line, version),
      "--expand",
      "ReplicationStatus",
      "--output",
      "json"
    ]);
    if (result === TIMED_OUT) {
      return { kind: "unreadable", why: `az sig image-version show did not answer within ${REPLICATION_STATUS_SECONDS}s` };
    }
    if (result.exitCode !== 0) {
      if (isNotFound(result) && azFault(result) === void 0) {
        return { kind: "absent" };
      }
      return { kind: "unreadable", why: firstErrorLine(result) || `az exited with status ${result.exitCode}` };
    }
    let body;
    try {
      body = JSON.parse(result.stdout);
    } catch {
      return { kind: "unreadable", why: `az's output is not JSON: ${JSON.stringify(result.stdout.slice(0, 100))}` };
    }
    const summary2 = Array.isArray(body?.replicationStatus?.summary) ? body.replicationStatus.summary : [];
    const regions = summary2.filter((entry) => entry !== null && typeof entry === "object" && typeof entry.region === "string").map((entry) => ({
      region: canonicalRegion(entry.region),
      state: typeof entry.state === "string" ? entry.state : "Unknown",
      details: typeof entry.details === "string" ? entry.details.replace(/\s+/g, " ").trim().slice(0, 300) : "",
      progress: typeof entry.progress === "number" ? entry.progress : void 0
    }));
    return { kind: "read", provisioningState: typeof body?.provisioningState === "string" ? body.provisioningState : "unknown", regions };
  }
  /** The line's versions, oldest first (by revision, then name); none when the definition, gallery or resource group is gone. */
  async list() {
    const what = "list: az sig image-version list";
    const result = await this.az.call("list", QUERY_SECONDS, [
      "sig",
      "image-version",
      "list",
      ...definitionArgs(this.line),
      "--query",
      `[?tags."${NAME_TAG}"=='${this.line.definition}'].[tags."${REVISION_TAG}", name, publishingProfile.excludeFromLatest]`,
      "--output",
      "json"
    ]);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `${what} did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === void 0) {
        this.op.log(`list: image definition ${this.name} or its gallery or resource group does not exist: no versions`);
        return [];
      }
      return this.az.fail(ExitCode.AZ_FAILED, what, "Check that the identity may read the gallery.", result);
    }
    const rows = this.az.parseJson(what, result, "[]");
    return (Array.isArray(rows) ? rows : []).filter((row) => Array.isArray(row) && row.length === 3 && typeof row[0] === "string" && /^[0-9]+$/.test(row[0]) && typeof row[1] === "string" && row[1] !== "").map(([revision, name, excluded]) => ({ revision, name, excludedFromLatest: excluded !== false })).sort(byRevision);
  }
  /** Deletes a version of the line (in the step's current phase); one that is gone already counts as deleted. */
  async delete(name) {
    const { phase, clock } = this.op;
    const started = clock.now();
    this.op.log(`${phase}: deleting version ${name} of ${this.name}`);
    const what = `${phase}: az sig image-version delete ${name}`;
    const result = await this.az.call(phase, DELETE_MINUTES * 60, [
      "sig",
      "image-version",
      "delete",
      ...definitionArgs(this.line),
      `--gallery-image-version=${name}`,
      "--output",
      "none"
    ]);
    if (result === TIMED_OUT) {
      this.op.fail(ExitCode.TIMEOUT, `${what} did not return within ${DELETE_MINUTES} minutes. Azure goes on deleting it: run the deployment again.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === void 0) {
        this.op.log(`${phase}: version ${name} is already gone`);
        return;
      }
      this.az.fail(ExitCode.AZ_FAILED, what, "Run the deployment again once the cause is fixed.", result);
    }
    this.op.log(`${phase}: version ${name} deleted in ${Math.floor((clock.now() - started) / 1e3)}s`);
  }
};
function byRevision(a, b) {
  const [x, y] = [`${a.revision} ${a.name}`, `${b.revision} ${b.name}`];
  return x < y ? -1 : x > y ? 1 : 0;
}
function canonicalRegion(name) {
  return name.toLowerCase().replace(/\s+/g, "");
}
function failedRegions(status) {
  return status.kind === "read" ? status.regions.filter((r) => r.state === "Failed") : [];
}
function describeReplication(status) {
  if (status.kind === "absent") {
    return "Azure shows no such version";
  }
  if (status.kind === "unreadable") {
    return `its replication status could not be read: ${status.why}`;
  }
  const inState = (state) => status.regions.filter((r) => r.state === state);
  const failed = inState("Failed").map((r) => r.details === "" ? r.region : `${r.region} (${r.details})`);
  const replicating = inState("Replicating").map((r) => r.progress === void 0 ? r.region : `${r.region} (${r.progress}%)`);
  const completed = inState("Completed").map((r) => r.region);
  const other = status.regions.filter((r) => !["Failed", "Replicating", "Completed"].includes(r.state)).map((r) => `${r.region} (${r.state})`);
  const parts = [
    ...failed.length > 0 ? [`replication failed in ${failed.join(", ")}`] : [],
    ...replicating.length > 0 ? [`still replicating to ${replicating.join(", ")}`] : [],
    ...completed.length > 0 ? [`replicated to ${completed.join(", ")}`] : [],
    ...other.length > 0 ? [`replication state unknown in ${other.join(", ")}`] : []
  ];
  return parts.length > 0 ? parts.join("; ") : `Azure reports no replication status per region (provisioningState ${status.provisioningState})`;
}

// lib/operator/vm.ts
var GIVEN_SUBNET_OUTPUT_FIX = "allow outbound HTTPS to the AzureCloud service tag from the VM's subnet (the subnet given as subnetId), then run the deployment again.";
var Vm = class _Vm {
  constructor(op, tuning, input, az, outputFix) {
    this.op = op;
    this.tuning = tuning;
    this.input = input;
    this.az = az;
    this.outputFix = outputFix;
    this.args = [
      ...input.subscriptionId ? [`--subscription=${input.subscriptionId}`] : [],
      `--resource-group=${input.resourceGroup}`,
      `--name=${input.vmName}`
    ];
  }
  op;
  tuning;
  input;
  az;
  outputFix;
  /** Reads and checks the VM inputs and the tuning variables; fails with exit code 2 on an invalid one. */
  static read(op, reader, notFoundHint) {
    op.phase = "validate";
    const tuning = readTuning(reader);
    const resourceGroup = reader.text(RESOURCE_GROUP);
    const vmName = reader.text(VM_NAME);
    const subscriptionId = reader.optionalText({ ...SUBSCRIPTION_ID, env: SUBSCRIPTION_ID.env }, "ARM_SUBSCRIPTION_ID");
    const guestDirectory = reader.text(GUEST_DIRECTORY);
    const notFound = {
      subject: `VM ${vmName} in resource group ${resourceGroup}${subscriptionId ? ` (subscription ${subscriptionId})` : ""}`,
      what: "the VM or its resource group",
      hint: notFoundHint
    };
    return new _Vm(op, tuning, { resourceGroup, vmName, subscriptionId, guestDirectory }, new Az(op, tuning, notFound), GIVEN_SUBNET_OUTPUT_FIX);
  }
  /**
   * A VM the step made itself (a canary), through the step's own `az` (and its messages for what is not found).
   * `outputFix` says what to do when Run Command returns no output of a guest script: the VM's network lacks outbound
   * access to Azure.
   */
  static made(op, az, tuning, identity, outputFix) {
    return new _Vm(op, tuning, identity, az, outputFix);
  }
  /** The az arguments that name the VM, in the `--option=value` form: a resource group name may start with a hyphen. */
  args;
  /** The path of a guest script, checked to be a readable file. */
  guestScript(name) {
    return guestScriptFile(this.op, this.input.guestDirectory, name);
  }
  /**
   * The start of every VM step once its inputs are valid: the Azure CLI's version, the az session, and the VM's state
   * once it has settled (waiting up to `settleSeconds` while it is starting, stopping or deallocating).
   */
  async start(settleSeconds, reader) {
    const { input } = this;
    this.op.log(`VM ${input.vmName} in resource group ${input.resourceGroup}${input.subscriptionId ? `, subscription ${input.subscriptionId}` : ""}`);
    await this.az.start(reader);
    this.op.phase = "state";
    return this.waitForSettledState(settleSeconds, await this.state("state"));
  }
  /** The VM's state from its instance view (the whole answer: its tags too). */
  async state(phase) {
    const view = await this.az.query(
      phase,
      ["vm", "get-instance-view", ...this.args],
      ExitCode.AZ_FAILED,
      "Check the VM name, resource group and subscription, and that the identity may read the VM."
    );
    const codes = (view?.instanceView?.statuses ?? []).map((status) => status.code ?? "").filter((code) => code !== "");
    let power = "unknown";
    let generalized = false;
    for (const code of codes) {
      if (code.startsWith("PowerState/")) {
        power = code.slice("PowerState/".length);
      } else if (code === "OSState/generalized") {
        generalized = true;
      }
    }
    this.op.log(`${phase}: power state ${power}, OS state ${generalized ? "generalized" : "not-generalized"}`);
    return {
      power,
      generalized,
      codes,
      tags: view?.tags ?? {},
      securityType: view?.securityProfile?.securityType ?? void 0,
      hyperVGeneration: view?.instanceView?.hyperVGeneration ?? void 0
    };
  }
  /** Waits while the VM is starting, stopping or deallocating (e.g. after an interrupted run). */
  async waitForSettledState(limitSeconds, initial) {
    const started = this.op.clock.now();
    let state = initial;
    while (["starting", "stopping", "deallocating"].includes(state.power)) {
      const waited = Math.floor((this.op.clock.now() - started) / 1e3);
      if (waited >= limitSeconds) {
        this.op.fail(ExitCode.TIMEOUT, `state: the VM stayed in PowerState/${state.power} for ${limitSeconds}s. Check it in the portal, then run the deployment again.`);
      }
      this.op.log(`state: VM is ${state.power}, waiting for it to settle, ${waited}s of ${limitSeconds}s`);
      await this.op.pause("state", this.tuning.pollSeconds, "waiting for the VM to settle", this.tuning.pollSeconds);
      state = await this.state("state");
    }
    return state;
  }
  /**
   * Runs a guest PowerShell script through Run Command (doing `purpose`, e.g. `Sysprep`, for messages) and returns its
   * output streams, or `TIMED_OUT` when Run Command did not return within `limitSeconds`. While the VM agent is not
   * ready (a restarting Windows), it waits up to GOLDEN_AGENT_WAIT_SECONDS; while the guest still runs an earlier Run
   * Command (409 Conflict, typically this step's own from an interrupted run), up to `limitSeconds`. Any other az
   * failure ends the step (exit code 6, or those of `Az.fail`).
   */
  async runGuestScript(phase, limitSeconds, script, purpose, parameters = {}) {
    const names = Object.keys(parameters);
    const args = [
      "vm",
      "run-command",
      "invoke",
      ...this.args,
      "--command-id",
      "RunPowerShellScript",
      "--scripts",
      `@${script}`,
      ...names.length > 0 ? ["--parameters", ...names.map((name) => `${name}=${parameters[name]}`)] : [],
      "--query",
      "value[].[code, message]",
      "--output",
      "json"
    ];
    const started = this.op.clock.now();
    let agentSince;
    for (; ; ) {
      const result = await this.az.call(phase, limitSeconds, args);
      if (result === TIMED_OUT) {
        return TIMED_OUT;
      }
      if (result.exitCode === 0) {
        return guestStreams(this.op, phase, result, this.outputFix);
      }
      if (azFault(result) === "agent") {
        agentSince ??= this.op.clock.now();
        await this.waitForAgent(phase, purpose, agentSince, result);
        continue;
      }
      if (!isRunCommandBusy(result)) {
        return this.az.fail(
          ExitCode.AZ_FAILED,
          `${phase}: az vm run-command invoke`,
          `The VM is left as it is (${purpose} did not run); run the deployment again once the cause is fixed.`,
          result
        );
      }
      const waited = Math.floor((this.op.clock.now() - started) / 1e3);
      if (waited >= limitSeconds) {
        this.op.print("  az| ", result.stderr, "stderr");
        this.op.fail(ExitCode.TIMEOUT, `${phase}: another Run Command kept running in the guest for ${limitSeconds}s, so ${purpose} could not start. Look at the VM's Run Command and extension status in the portal (Operations > Run command), then run the deployment again.`);
      }
      this.op.log(`${phase}: another Run Command is still running in the guest (an interrupted earlier run?): waiting for it to end, ${waited}s of ${limitSeconds}s`);
      await this.op.pause(phase, this.tuning.pollSeconds, "waiting for the earlier Run Command to end", this.tuning.pollSeconds);
    }
  }
  async waitForAgent(phase, purpose, since, result) {
    const { vmName, resourceGroup } = this.input;
    const waited = Math.floor((this.op.clock.now() - since) / 1e3);
    if (waited >= this.tuning.agentWaitSeconds) {
      this.op.print("  az| ", result.stderr, "stderr");
      this.op.fail(ExitCode.TIMEOUT, `${phase}: the VM agent (Windows Azure Guest Agent) of VM ${vmName} was still not ready after ${this.tuning.agentWaitSeconds}s (GOLDEN_AGENT_WAIT_SECONDS), so Run Command could not run ${purpose} in the guest. The VM is left as it is. Fix: look at the VM in the portal (Overview > Properties > Agent status; Help > Boot diagnostics: did Windows start?) or at \`az vm get-instance-view --resource-group ${resourceGroup} --name ${vmName} --query instanceView.vmAgent\` (its status should be Ready); restart the VM if the agent stays not ready, then run the deployment again.`);
    }
    this.op.log(`${phase}: the VM agent of VM ${vmName} is not ready, so Run Command cannot reach the guest yet (${matchingLine(result, "agent", 160)}): waiting for it, ${waited}s of ${this.tuning.agentWaitSeconds}s`);
    await this.op.pause(phase, this.tuning.pollSeconds, "waiting for the VM agent", this.tuning.pollSeconds);
  }
};
function guestStreams(op, phase, result, outputFix = GIVEN_SUBNET_OUTPUT_FIX) {
  let rows;
  try {
    rows = JSON.parse(result.stdout === "" ? "null" : result.stdout);
  } catch {
    rows = void 0;
  }
  let stdout;
  let stderr;
  if (Array.isArray(rows)) {
    for (const row of rows) {
      if (Array.isArray(row) && typeof row[0] === "string") {
        const message = typeof row[1] === "string" ? row[1] : "";
        if (row[0].startsWith("ComponentStatus/StdOut/")) {
          stdout = message;
        } else if (row[0].startsWith("ComponentStatus/StdErr/")) {
          stderr = message;
        }
      }
    }
  }
  if (stdout === void 0 && stderr === void 0) {
    return op.fail(ExitCode.AZ_FAILED, `${phase}: Run Command succeeded but returned no output of the guest script (${JSON.stringify(result.stdout.slice(0, 200))}). Run Command returns the output only when the VM can reach Azure: a subnet without outbound access (a NAT gateway, a firewall or an NSG rule that blocks outbound traffic to the AzureCloud service tag, or a private subnet) lets the script run but loses its result. Fix: ${outputFix}`);
  }
  return { stdout: stdout ?? "", stderr: stderr ?? "" };
}
function guestMarker(output, prefix) {
  let found;
  for (const line of output.stdout.split(/\r?\n/)) {
    if (line === prefix || line.startsWith(`${prefix} `)) {
      found = line.slice(prefix.length).replace(/^ /, "");
    }
  }
  return found;
}
function printGuestOutput(op, output) {
  op.print("  guest| ", output.stdout);
  const hasErrors = /\S/.test(output.stderr);
  if (hasErrors) {
    op.print("  guest stderr| ", output.stderr, "stderr");
  }
  return hasErrors;
}

// lib/operator/steps/canary.ts
var CANARY_NAME = GALLERY_STEPS_NAME;
var CANARY_CONSTRUCT = GALLERY_CONSTRUCT;
var CANARY_REGIONS = {
  env: "GOLDEN_CANARY_REGIONS",
  pattern: /^[a-z][a-z0-9]{2,40}$/,
  description: "an Azure region name such as westeurope"
};
var MAX_CANARY_REGIONS = 20;
var CANARY_SECURITY_TYPE = {
  env: "GOLDEN_CANARY_SECURITY_TYPE",
  pattern: /^(Standard|TrustedLaunch)$/,
  description: "Standard or TrustedLaunch"
};
var CANARY_VM_SIZE = {
  env: "GOLDEN_CANARY_VM_SIZE",
  pattern: /^(Standard|Basic)_[A-Za-z0-9]+([-_][A-Za-z0-9]+){0,6}$/,
  description: "an Azure VM size such as Standard_D2s_v5"
};
var CANARY_RESOURCE_GROUP = { ...RESOURCE_GROUP, env: "GOLDEN_CANARY_RESOURCE_GROUP" };
var CANARY_TIMEOUT_MINUTES = {
  env: "GOLDEN_CANARY_TIMEOUT_MINUTES",
  prop: "canary.timeoutMinutes",
  min: 5,
  max: 120,
  default: 30
};
var MAX_CHECK_MINUTES = 80;
var RUN_COMMAND_EXTRA_MINUTES = 10;
var CANARY_URL = {
  env: "GOLDEN_CANARY_URL",
  pattern: /^https?:\/\/[A-Za-z0-9]([-A-Za-z0-9.]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(\/[-A-Za-z0-9._~/%]*)?$/,
  description: "an http(s) URL without spaces, quotes or query, such as http://localhost/"
};
var MAX_CANARY_URL_LENGTH = 2048;
var DEFAULT_CANARY_URL = "http://localhost/";
var PURCHASE_PLAN_PART = /^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$/;
var PLAN_DESCRIPTION = "a marketplace plan id (1-128 letters, digits, - _ .), given with the two other GOLDEN_CANARY_PLAN_ variables";
var CANARY_PLAN_NAME = { env: "GOLDEN_CANARY_PLAN_NAME", pattern: PURCHASE_PLAN_PART, description: PLAN_DESCRIPTION };
var CANARY_PLAN_PRODUCT = { env: "GOLDEN_CANARY_PLAN_PRODUCT", pattern: PURCHASE_PLAN_PART, description: PLAN_DESCRIPTION };
var CANARY_PLAN_PUBLISHER = { env: "GOLDEN_CANARY_PLAN_PUBLISHER", pattern: PURCHASE_PLAN_PART, description: PLAN_DESCRIPTION };
var CANARY_TAG = "golden-canary";
var CANARY_IMAGE_TAG = "golden-canary-image";
var CANARY_MARKER = "GOLDEN-IMAGE-CANARY-RESULT:";
var CANARY_ADMIN = "canaryadmin";
var CANARY_VM_NAME = /^canary-[0-9]{14}-[0-9a-f]{8}-[0-9]{2}$/;
var CANARY_SUBNET = "canary";
var DELETE_MINUTES2 = 30;
var INTERRUPTED_DELETE_SECONDS = 60;
function posixCksum(data) {
  let crc = 0;
  const feed = (byte) => {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 2147483648 ? crc << 1 ^ 79764919 : crc << 1;
    }
  };
  data.forEach(feed);
  for (let length = data.length; length > 0; length = Math.floor(length / 256)) {
    feed(length & 255);
  }
  return ~crc >>> 0;
}
function lineKey(line) {
  const text = `${line.resourceGroup}/${line.gallery}/${line.definition}`.toLowerCase();
  return posixCksum(Buffer.from(text, "utf8")).toString(16).padStart(8, "0");
}
function canaryNames(revision, key, index) {
  const suffix = String(index).padStart(2, "0");
  return { vm: `canary-${revision}-${key}-${suffix}`, computer: `c${revision.slice(2)}${suffix}` };
}
function canaryPassword() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (; ; ) {
    const password = Array.from({ length: 24 }, () => alphabet[crypto.randomInt(alphabet.length)]).join("");
    if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password)) {
      return password;
    }
  }
}
function readSettings(op, reader) {
  op.phase = "validate";
  const tuning = readTuning(reader);
  const line = readGalleryLine(reader);
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const securityType = reader.text(CANARY_SECURITY_TYPE);
  const vmSize = reader.text(CANARY_VM_SIZE);
  const plan = readPurchasePlan(op, reader);
  const canaryResourceGroup = reader.text(CANARY_RESOURCE_GROUP);
  const minutes = reader.number(CANARY_TIMEOUT_MINUTES);
  const url = readUrl(op, reader);
  const guestDirectory = reader.text(GUEST_DIRECTORY);
  const checkScript = guestScriptFile(op, guestDirectory, "canary-check.ps1");
  const regions = readRegions(reader);
  const checkMinutes = Math.min(minutes, MAX_CHECK_MINUTES);
  return {
    tuning,
    line,
    version,
    revision,
    regions,
    securityType,
    vmSize,
    canaryResourceGroup,
    url,
    plan,
    guestDirectory,
    checkScript,
    createMinutes: minutes,
    checkSeconds: checkMinutes * 60,
    runCommandSeconds: (checkMinutes + RUN_COMMAND_EXTRA_MINUTES) * 60
  };
}
function readPurchasePlan(op, reader) {
  if ([CANARY_PLAN_NAME, CANARY_PLAN_PRODUCT, CANARY_PLAN_PUBLISHER].every((part) => !op.env[part.env])) {
    return void 0;
  }
  return { name: reader.text(CANARY_PLAN_NAME), product: reader.text(CANARY_PLAN_PRODUCT), publisher: reader.text(CANARY_PLAN_PUBLISHER) };
}
function readUrl(op, reader) {
  const length = (op.env[CANARY_URL.env] ?? "").length;
  if (length > MAX_CANARY_URL_LENGTH) {
    throw reader.invalid(`${CANARY_URL.env} must be at most ${MAX_CANARY_URL_LENGTH} characters; got ${length}.`);
  }
  return reader.optionalText(CANARY_URL) ?? DEFAULT_CANARY_URL;
}
function readRegions(reader) {
  const regions = reader.lines(CANARY_REGIONS);
  const twice = regions.find((region, i) => regions.indexOf(region) !== i);
  if (twice !== void 0) {
    throw reader.invalid(`${CANARY_REGIONS.env} names ${twice} twice.`);
  }
  if (regions.length === 0 || regions.length > MAX_CANARY_REGIONS) {
    throw reader.invalid(`${CANARY_REGIONS.env} must hold 1-${MAX_CANARY_REGIONS} regions, one per line; got ${regions.length}.`);
  }
  return regions;
}
var NOT_FOUND_HINT = "Check that the canary resource group exists and that the version was published (the publish step runs first), then run the deployment again.";
function notFoundOf(settings) {
  const { line, version, canaryResourceGroup } = settings;
  return {
    subject: `version ${version} of image definition ${lineName(line)} in resource group ${line.resourceGroup}, or the canary resource group ${canaryResourceGroup}${line.subscriptionId ? ` (subscription ${line.subscriptionId})` : ""}`,
    what: "one of them",
    hint: NOT_FOUND_HINT
  };
}
var Canaries = class {
  constructor(op, az, settings, directory, imageId) {
    this.op = op;
    this.az = az;
    this.settings = settings;
    this.directory = directory;
    this.imageId = imageId;
    const { line, canaryResourceGroup } = settings;
    this.groupArgs = [...line.subscriptionId ? [`--subscription=${line.subscriptionId}`] : [], `--resource-group=${canaryResourceGroup}`];
    this.key = lineKey(line);
  }
  op;
  az;
  settings;
  directory;
  imageId;
  /** The az arguments of the canary resource group, in the `--option=value` form (a group name may start with a hyphen). */
  groupArgs;
  key;
  /** The canary that may exist now: deleted on every way out until it is deleted on purpose. */
  live;
  /** Deletes the canaries of this version and line that an interrupted run left (VMs, NICs or VNets with both tags). */
  async deleteLeftovers() {
    const { op } = this;
    const { version, line } = this.settings;
    const phase = "canary leftovers";
    op.phase = phase;
    const query = `[?tags."${CANARY_TAG}"=='${version}' && tags."${CANARY_IMAGE_TAG}"=='${lineName(line)}'].[type, name]`;
    const rows = await this.az.query(
      phase,
      ["resource", "list", ...this.groupArgs, "--query", query],
      ExitCode.AZ_FAILED,
      "Check that the identity may read the canary resource group."
    );
    const names = /* @__PURE__ */ new Set();
    for (const row of Array.isArray(rows) ? rows : []) {
      const name = Array.isArray(row) && typeof row[0] === "string" && typeof row[1] === "string" ? canaryOf(row[0], row[1]) : void 0;
      if (name !== void 0) {
        names.add(name);
      }
    }
    if (names.size === 0) {
      op.log(`${phase}: no canary of version ${version} left by an earlier run`);
      return;
    }
    for (const name of [...names].sort()) {
      if (!CANARY_VM_NAME.test(name)) {
        op.log(`${phase}: ${shown(name)} carries the canary tags but not a canary's name: left as it is`);
        continue;
      }
      op.log(`${phase}: canary ${name} was left by an interrupted earlier run`);
      await this.deleteOrFail(name, `${phase}: deleting ${name}`);
    }
  }
  /** One canary, from its creation to its deletion; fails with exit code 9 when it fails. */
  async run(index, region) {
    const { op } = this;
    const { vm, computer } = canaryNames(this.settings.revision, this.key, index);
    const phase = `canary ${region}`;
    op.phase = phase;
    const started = op.clock.now();
    this.live = vm;
    try {
      await this.create(phase, vm, computer, region);
      await this.check(phase, vm, computer);
    } catch (error) {
      const left = this.live;
      this.live = void 0;
      if (left !== void 0) {
        await this.deleteOnTheWayOut(phase, left, error);
      }
      throw error;
    }
    op.log(`${phase}: done in ${secondsSince(op, started)}s`);
  }
  /**
   * `az vm create`: the canary with its own VNet and NIC. Its failures are the canary's (exit code 9, or 8 when
   * something it needs is missing), once it is deleted; a broken az or an expired session is not (exit code 3), nor is
   * a timeout (4): `run` deletes what was made on the way out.
   */
  async create(phase, vm, computer, region) {
    const { op, az, settings } = this;
    const started = op.clock.now();
    const limit = settings.createMinutes * 60;
    op.log(`${phase}: creating canary VM ${vm} (computer name ${computer}, ${settings.securityType}, ${settings.vmSize}) from version ${settings.version} (limit ${limit}s)`);
    const passwordFile = path4.join(this.directory, "canary-password");
    fs4.writeFileSync(passwordFile, canaryPassword(), { mode: 384, flag: "wx" });
    let result;
    try {
      result = await az.call(phase, limit, this.createArgs(vm, computer, region, passwordFile));
    } finally {
      fs4.rmSync(passwordFile, { force: true });
    }
    if (result === TIMED_OUT) {
      return op.fail(ExitCode.TIMEOUT, `${phase}: canary ${vm} was not created within ${settings.createMinutes} minutes (${CANARY_TIMEOUT_MINUTES.env}). Version ${settings.version} stays excluded from latest, so the previous version remains latest. Run the deployment again to retry.`);
    }
    if (result.exitCode !== 0) {
      const fault = azFault(result);
      if (fault === "module" || fault === "crash" || fault === "expired") {
        return az.fail(ExitCode.AZ_FAILED, `${phase}: az vm create`, this.leftMessage(vm), result);
      }
      op.print("  az| ", result.stderr, "stderr");
      const missing = isNotFound(result);
      const reason = missing ? `az vm create found nothing: ${notFoundOf(settings).subject} was not found` : `az vm create failed (printed above: e.g. no quota for ${settings.vmSize} in ${region}, a size without ${settings.securityType}, or a region the version is not replicated to)`;
      this.live = void 0;
      await this.deleteOrFail(vm, `${phase}: deleting canary ${vm} after its failed creation`);
      return op.fail(missing ? ExitCode.NOT_FOUND : ExitCode.CANARY_FAILED, `${phase}: the canary could not be created: ${reason}. Version ${settings.version} stays excluded from latest, so the previous version remains latest. Fix the cause (or choose other canary regions or size), then run the deployment again.`);
    }
    op.log(`${phase}: canary ${vm} created in ${secondsSince(op, started)}s`);
  }
  /**
   * The canary's own network: its VNet `<vm>-vnet` with the subnet `canary`, made by `az vm create`, with no public IP
   * and no NSG (nothing reaches it from outside). Run Command returns the check's output only when the VM has
   * outbound access to Azure ("Run scripts in your Windows VM by using action Run Commands" on Microsoft Learn,
   * restrictions: "scripts might run successfully but not return the results"): here Azure's default outbound access.
   * Subnets are private (no default outbound access) by default only when made with network API version 2025-07-01
   * or later (Microsoft Learn, "Default outbound access in Azure"; Azure Networking Blog, "Private subnets by default
   * in Azure virtual networks"), and `az vm create` writes the VNet of its ARM template with api-version 2015-06-15
   * (azure-cli, vm/_template_builder.py, build_vnet_resource: the same in 2.45 and 2.74), so the canary's subnet keeps
   * it. No az from 2.44.0 (the oldest the operator runs on) on can make it explicit: `az vm create` has no such option
   * (2.45, 2.74), and `--default-outbound-access` of `az network vnet subnet create` (and of `az network vnet create
   * --subnets`) is not in 2.45's parser (its network API is 2022-01-01); `az network vnet create --subnet-name` sends
   * no defaultOutboundAccess in 2.45 (API 2022-01-01) nor in 2.74 (API 2024-05-01), so its subnet is not private
   * either, until an az moves that command to API 2025-07-01. A subnet made private otherwise (an Azure Policy) loses
   * the check's output: `outputFix` says so.
   */
  createArgs(vm, computer, region, passwordFile) {
    const { settings } = this;
    const { line, version, securityType, plan } = settings;
    return [
      "vm",
      "create",
      ...this.groupArgs,
      `--name=${vm}`,
      `--location=${region}`,
      `--image=${this.imageId}`,
      `--size=${settings.vmSize}`,
      `--security-type=${securityType}`,
      ...securityType === "TrustedLaunch" ? ["--enable-secure-boot=true", "--enable-vtpm=true"] : [],
      ...plan === void 0 ? [] : [`--plan-name=${plan.name}`, `--plan-product=${plan.product}`, `--plan-publisher=${plan.publisher}`],
      `--admin-username=${CANARY_ADMIN}`,
      `--admin-password=@${passwordFile}`,
      `--computer-name=${computer}`,
      "--public-ip-address=",
      "--nsg=",
      `--vnet-name=${vm}-vnet`,
      `--subnet=${CANARY_SUBNET}`,
      "--nic-delete-option=Delete",
      "--os-disk-delete-option=Delete",
      "--tags",
      `${CANARY_TAG}=${version}`,
      `${CANARY_IMAGE_TAG}=${lineName(line)}`,
      "--output",
      "none"
    ];
  }
  /** The check in the guest, then the canary's deletion; fails with exit code 9 (after the deletion) when it fails. */
  async check(phase, vm, computer) {
    const { op, settings } = this;
    const started = op.clock.now();
    op.log(`${phase}: checking the guest through Run Command: its computer name, then ${settings.url} (limit ${settings.checkSeconds}s)`);
    const canary = Vm.made(op, this.az, settings.tuning, {
      resourceGroup: settings.canaryResourceGroup,
      vmName: vm,
      subscriptionId: settings.line.subscriptionId,
      guestDirectory: settings.guestDirectory
    }, this.outputFix(vm));
    const output = await canary.runGuestScript(phase, settings.runCommandSeconds, settings.checkScript, "the canary check", {
      Url: settings.url,
      ExpectedName: computer,
      TimeoutSeconds: String(settings.checkSeconds)
    });
    if (output === TIMED_OUT) {
      return op.fail(ExitCode.TIMEOUT, `${phase}: Run Command did not return within ${settings.runCommandSeconds}s. Version ${settings.version} stays excluded from latest, so the previous version remains latest. Run the deployment again to retry.`);
    }
    printGuestOutput(op, output);
    const reason = failureOf(output);
    this.live = void 0;
    await this.deleteOrFail(vm, reason === void 0 ? `${phase}: deleting canary ${vm}` : `${phase}: deleting canary ${vm} after its failed check`);
    if (reason !== void 0) {
      return op.fail(ExitCode.CANARY_FAILED, `${phase}: the canary failed: ${reason}. Its output is printed above. Version ${settings.version} stays excluded from latest, so VMs and scale sets that use latest keep the previous version. Fix the image (a new build publishes a new version), or run the deployment again to retry the canary.`);
    }
    op.log(`${phase}: the canary passed in ${secondsSince(op, started)}s`);
  }
  /** What to do when Run Command returns no output of the check: the canary's subnet lost its outbound access. */
  outputFix(vm) {
    const { canaryResourceGroup, version } = this.settings;
    return `the canary's own VNet ${vm}-vnet (subnet ${CANARY_SUBNET}, made by az vm create, no public IP) reaches Azure only through Azure's default outbound access, which az vm create leaves on (no az from 2.44 on has an option to set it explicitly), unless something takes it away: an Azure Policy that makes new subnets private (defaultOutboundAccess false) or sends their traffic through a firewall. Exempt resource group ${canaryResourceGroup} (canary.resourceGroupName) from it, or give the canaries another resource group, then run the deployment again. Version ${version} stays excluded from latest.`;
  }
  /** What a message says of a canary that may be left. */
  leftMessage(vm) {
    return `canary ${vm} (VM, NIC, VNet ${vm}-vnet) may be left in resource group ${this.settings.canaryResourceGroup}: delete it by hand, or run the deployment again (canaries tagged ${CANARY_TAG}=${this.settings.version} are deleted first).`;
  }
  /** The way out of a failed or interrupted canary: its deletion, only started when interrupted. */
  async deleteOnTheWayOut(phase, vm, error) {
    const { op } = this;
    if (error instanceof Interrupted) {
      await this.startDeletion(phase, vm);
      return;
    }
    op.log(`${phase}: the run is ending (exit ${exitCodeOf(error)}): deleting canary ${vm}`);
    try {
      const failure = await this.deleteCanary(vm);
      if (failure !== void 0) {
        this.printFailure(failure);
        op.errorLine(this.leftMessage(vm));
      }
    } catch (cleanupError) {
      op.errorLine(`${this.leftMessage(vm)} (${cleanupError.message})`);
    }
  }
  /** Quickly, since the supervisor that sent the signal is waiting: the deletion goes on in Azure; the VNet is the next run's. */
  async startDeletion(phase, vm) {
    const { op } = this;
    op.log(`${phase}: starting the deletion of canary ${vm} (not waiting for it)`);
    const args = ["vm", "delete", ...this.groupArgs, `--name=${vm}`, "--yes", "--no-wait", "--output", "none"];
    const result = await this.az.afterInterruption(phase, INTERRUPTED_DELETE_SECONDS, args);
    if (result !== TIMED_OUT && (result.exitCode === 0 || isNotFound(result))) {
      op.log(`${phase}: canary ${vm} is being deleted; its VNet ${vm}-vnet is deleted by the next run (tagged ${CANARY_TAG}=${this.settings.version})`);
      return;
    }
    this.printFailure({ what: `VM ${vm}`, result: result === TIMED_OUT ? void 0 : result }, INTERRUPTED_DELETE_SECONDS);
    op.errorLine(this.leftMessage(vm));
  }
  /** Deletes a canary; fails saying what may be left when a part cannot be deleted (exit code 4 or 6, or az's own). */
  async deleteOrFail(vm, what) {
    const failure = await this.deleteCanary(vm);
    if (failure?.result !== void 0) {
      this.az.fail(ExitCode.AZ_FAILED, what, this.leftMessage(vm), failure.result);
    }
    if (failure !== void 0) {
      this.op.fail(ExitCode.TIMEOUT, `${what}: az did not delete ${failure.what} within ${DELETE_MINUTES2} minutes. ${this.leftMessage(vm)}`);
    }
  }
  printFailure(failure, limitSeconds = DELETE_MINUTES2 * 60) {
    if (failure.result !== void 0) {
      this.op.print("  az| ", failure.result.stderr, "stderr");
    } else {
      this.op.print("  az| ", `${failure.what}: az did not return within ${limitSeconds}s`, "stderr");
    }
  }
  /**
   * The VM (its NIC and OS disk go with it), then its NIC (left behind when the VM's creation failed after the NIC was
   * made), then its VNet; what is gone already counts as deleted. Returns the first failure, if any.
   */
  async deleteCanary(vm) {
    const { op } = this;
    const phase = op.phase;
    const started = op.clock.now();
    op.log(`${phase}: deleting canary ${vm} (the VM with its NIC and OS disk, then its VNet ${vm}-vnet)`);
    const parts = [
      [`VM ${vm}`, ["vm", "delete", ...this.groupArgs, `--name=${vm}`, "--yes"]],
      [`NIC ${vm}VMNic`, ["network", "nic", "delete", ...this.groupArgs, `--name=${vm}VMNic`]],
      [`VNet ${vm}-vnet`, ["network", "vnet", "delete", ...this.groupArgs, `--name=${vm}-vnet`]]
    ];
    for (const [what, args] of parts) {
      const result = await this.az.call(phase, DELETE_MINUTES2 * 60, [...args, "--output", "none"]);
      if (result === TIMED_OUT) {
        return { what };
      }
      if (result.exitCode === 0) {
        op.log(`${phase}: ${what} deleted`);
      } else if (isNotFound(result) && azFault(result) === void 0) {
        op.log(`${phase}: ${what} is already gone`);
      } else {
        return { what, result };
      }
    }
    op.log(`${phase}: canary ${vm} deleted in ${secondsSince(op, started)}s`);
    return void 0;
  }
};
function canaryOf(type, name) {
  switch (type.toLowerCase()) {
    case "microsoft.compute/virtualmachines":
      return name;
    case "microsoft.network/networkinterfaces":
      return name.replace(/VMNic$/, "");
    case "microsoft.network/virtualnetworks":
      return name.replace(/-vnet$/, "");
    default:
      return void 0;
  }
}
function failureOf(output) {
  const last = output.stdout.split(/\r?\n/).filter((line) => line.trim() !== "").pop() ?? "";
  const failed = `${CANARY_MARKER} FAILED`;
  if (last.startsWith(`${CANARY_MARKER} PASSED`)) {
    return void 0;
  }
  if (last.startsWith(failed)) {
    return last.slice(failed.length).replace(/^ /, "");
  }
  return `the guest's output does not end with a result line (${CANARY_MARKER} ...): the check did not run to its end`;
}
function exitCodeOf(error) {
  if (error instanceof OperatorFailure) {
    return error.exitCode;
  }
  return error instanceof InvalidInput ? ExitCode.INVALID_INPUT : ExitCode.INTERNAL;
}
function secondsSince(op, started) {
  return Math.floor((op.clock.now() - started) / 1e3);
}
async function currentSubscription(op, az) {
  const id = await az.query("canary", ["account", "show", "--query", "id"], ExitCode.AZ_FAILED, "Set GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID).");
  if (typeof id !== "string" || !SUBSCRIPTION_ID.pattern.test(id)) {
    return op.fail(ExitCode.INVALID_INPUT, `the subscription of az's session (az account show) must be ${SUBSCRIPTION_ID.description}; got ${shown(String(id))}. Set GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID).`);
  }
  op.log(`canary: subscription ${id} (az's current one)`);
  return id;
}
async function galleryCanary(op) {
  const reader = new InputReader(op.env, CANARY_CONSTRUCT);
  const settings = readSettings(op, reader);
  const directory = op.temporaryDirectory("canary");
  const { line, version, regions } = settings;
  op.interruptNote = `Version ${version} is left as it is, excluded from latest: run the deployment again to run the canaries again.`;
  op.log(`canary: version ${version} of ${lineName(line)} in resource group ${line.resourceGroup}, one ${settings.securityType} ${settings.vmSize} VM in each of: ${regions.join(" ")} (resource group ${settings.canaryResourceGroup})`);
  const az = new Az(op, settings.tuning, notFoundOf(settings));
  await az.start(reader);
  op.phase = "canary";
  const subscriptionId = line.subscriptionId ?? await currentSubscription(op, az);
  const published = await new GalleryVersions(op, az, line).requirePublished(
    "canary",
    version,
    settings.revision,
    "no VM can be made from it yet",
    NOT_FOUND_HINT
  );
  op.log(`canary: version ${version} is published (excluded from latest: ${published.excludedFromLatest ? "True" : "False"})`);
  const imageId = `/subscriptions/${subscriptionId}/resourceGroups/${line.resourceGroup}/providers/Microsoft.Compute/galleries/${line.gallery}/images/${line.definition}/versions/${version}`;
  const canaries = new Canaries(op, az, settings, directory, imageId);
  await canaries.deleteLeftovers();
  for (const [index, region] of regions.entries()) {
    await canaries.run(index + 1, region);
  }
  op.phase = "canary";
  op.log(`canary: passed in ${regions.length} region(s): ${regions.join(" ")}`);
}

// lib/operator/steps/base-image.ts
var BASE_IMAGE_NAME = "base-image";
var BASE_IMAGE_CONSTRUCT = "GoldenVm";
var IMAGE_PART = {
  pattern: /^[A-Za-z0-9][-\w.]*$/,
  description: "a marketplace image part (letters, digits, hyphens, underscores, periods; starting with a letter or digit)"
};
var BASE_IMAGE_PUBLISHER = { env: "GOLDEN_BASE_IMAGE_PUBLISHER", ...IMAGE_PART };
var BASE_IMAGE_OFFER = { env: "GOLDEN_BASE_IMAGE_OFFER", ...IMAGE_PART };
var BASE_IMAGE_SKU = { env: "GOLDEN_BASE_IMAGE_SKU", ...IMAGE_PART };
var BASE_IMAGE_LOCATION = { env: "GOLDEN_BASE_IMAGE_LOCATION", ...REGION_NAME };
var BASE_IMAGE_VERSION = {
  env: "GOLDEN_BASE_IMAGE_VERSION",
  pattern: /^[0-9]+\.[0-9]+\.[0-9]+$/,
  description: "a marketplace image version (Major.Minor.Build, three whole numbers, e.g. 20348.2849.241109)"
};
var BASE_IMAGE_LOOKUP = {
  env: "GOLDEN_BASE_IMAGE_LOOKUP",
  pattern: /^(latest|pinned)$/,
  description: "'latest' (the version Terraform's lookup chose, compared with the newest) or 'pinned'"
};
var PLAN_ID = PURCHASE_PLAN_PART.source.slice(1, -1);
var BASE_IMAGE_PLAN = {
  env: "GOLDEN_BASE_IMAGE_PLAN",
  pattern: new RegExp(`^(none|${PLAN_ID}:${PLAN_ID}:${PLAN_ID})$`),
  description: "'none' or the declared purchase plan as <name>:<product>:<publisher> (marketplace plan ids)"
};
async function checkBaseImage(op) {
  const reader = new InputReader(op.env, BASE_IMAGE_CONSTRUCT);
  op.phase = "validate";
  const tuning = readTuning(reader);
  const subscriptionId = reader.optionalText(SUBSCRIPTION_ID, "ARM_SUBSCRIPTION_ID");
  const location = reader.text(BASE_IMAGE_LOCATION);
  const publisher = reader.text(BASE_IMAGE_PUBLISHER);
  const offer = reader.text(BASE_IMAGE_OFFER);
  const sku = reader.text(BASE_IMAGE_SKU);
  const chosen = reader.text(BASE_IMAGE_VERSION);
  const pinned = reader.optionalText(BASE_IMAGE_LOOKUP) === "pinned";
  const declared = readDeclaredPlan(reader);
  const image = { location, publisher, offer, sku, urn: `${publisher}:${offer}:${sku}` };
  const az = new Az(op, tuning, {
    subject: `marketplace image ${image.urn}:${chosen} in ${location}`,
    what: "that version of the image",
    hint: `Check \`${listCommand(image)}\`, then run the deployment again.`
  });
  if (pinned) {
    op.log(`check: ${image.urn}:${chosen} is pinned; checking its purchase plan`);
    await az.start(reader);
  } else {
    await checkNewest(op, az, reader, image, chosen, subscriptionId);
  }
  if (declared !== void 0) {
    await checkPurchasePlan(op, az, { ...image, version: chosen, pinned }, declared.plan, subscriptionId);
  }
}
function readDeclaredPlan(reader) {
  const value = reader.optionalText(BASE_IMAGE_PLAN);
  if (value === void 0) {
    return void 0;
  }
  if (value === "none") {
    return {};
  }
  const [name, product, publisher] = value.split(":");
  return { plan: { name, product, publisher } };
}
async function checkNewest(op, az, reader, image, chosen, subscriptionId) {
  const { location } = image;
  op.log(`check: Terraform's lookup of ${image.urn}:latest in ${location} chose ${chosen}; checking that no newer version is listed`);
  await az.start(reader);
  op.phase = "list";
  const versions = await listVersions(op, az, image, subscriptionId);
  op.phase = "check";
  const newest = newestVersion(versions);
  if (newest === void 0) {
    return op.fail(ExitCode.NOT_FOUND, `list: Azure lists no version of ${image.urn} in ${location}${subscriptionId ? ` for subscription ${subscriptionId}` : ""}, although Terraform's lookup found ${chosen} at plan time: the SKU was withdrawn from the region since, or az works in another subscription than the azurerm provider. The build VM was not created. Check \`${listCommand(image)}\`, then run the deployment again.`);
  }
  if (compareVersions(chosen, newest) < 0) {
    return op.fail(ExitCode.BASE_IMAGE_NOT_NEWEST, staleLookup(image, chosen, newest, versions));
  }
  if (!versions.some((version) => compareVersions(version, chosen) === 0)) {
    return op.fail(ExitCode.NOT_FOUND, `check: Azure no longer lists ${image.urn}:${chosen}, the version Terraform's lookup chose at plan time, in ${location} (the newest it lists is ${newest}): it was withdrawn since the plan. The build VM was not created. Run the deployment again: its plan looks the version up again.`);
  }
  op.log(`check: ${chosen} is the newest of the ${versions.length} version(s) of ${image.urn} Azure lists in ${location} (compared as numbers): the build may start from it`);
}
async function listVersions(op, az, image, subscriptionId) {
  op.log(`list: listing the versions of ${image.urn} in ${image.location}`);
  const answer = await az.query("list", [
    "vm",
    "image",
    "list",
    "--all",
    `--location=${image.location}`,
    `--publisher=${image.publisher}`,
    `--offer=${image.offer}`,
    `--sku=${image.sku}`,
    ...subscriptionId ? [`--subscription=${subscriptionId}`] : []
  ], ExitCode.AZ_FAILED, `Check that the identity may read the subscription (any role on it, e.g. Reader, lists marketplace images) and that ${image.location} is a region of it; then run the deployment again.`);
  const entries = Array.isArray(answer) ? answer : [];
  const listed = entries.filter((entry) => entry !== null && typeof entry === "object" && sameName(entry.publisher, image.publisher) && sameName(entry.offer, image.offer) && sameName(entry.sku, image.sku) && typeof entry.version === "string").map((entry) => entry.version);
  const others = listed.filter((version) => !BASE_IMAGE_VERSION.pattern.test(version));
  if (others.length > 0) {
    op.log(`list: ignoring ${others.length} version(s) not of the form Major.Minor.Build, which cannot be compared: ${others.map((v) => JSON.stringify(v)).join(", ")}`);
  }
  const versions = listed.filter((version) => BASE_IMAGE_VERSION.pattern.test(version));
  op.log(`list: ${versions.length} version(s)${versions.length > 0 ? `, in Azure's order: ${summary(versions)}` : ""}`);
  return versions;
}
function sameName(listed, wanted) {
  return typeof listed === "string" && listed.toLowerCase() === wanted.toLowerCase();
}
function summary(versions) {
  return versions.length <= 6 ? versions.join(", ") : `${versions.slice(0, 3).join(", ")}, ..., ${versions.slice(-3).join(", ")}`;
}
function listCommand(image) {
  return `az vm image list --all --location ${image.location} --publisher ${image.publisher} --offer ${image.offer} --sku ${image.sku} -o table`;
}
function staleLookup(image, chosen, newest, versions) {
  const why = versions[versions.length - 1] === chosen ? `Azure lists the SKU's ${versions.length} versions sorted as text, not by version number, so ${chosen} comes last, and azurerm's data.azurerm_platform_image takes the last one as the latest` : "azurerm's data.azurerm_platform_image takes the last version of Azure's list as the latest, and Azure sorts that list as text, not by version number";
  return `check: Terraform's lookup of ${image.urn}:latest chose ${chosen}, but the newest version Azure lists in ${image.location} is ${newest} (compared as numbers, part by part). ${why} (terraform-provider-azurerm issue 31577, azure-rest-api-specs issue 30142). Building from ${chosen} would miss the newer version's patches and move the build backwards, so the build VM was not created. Fix: pin the newest version, MarketplaceImage.fromUrn('${image.urn}:${newest}') (or pass '${newest}' as the version argument of the MarketplaceImage factory you use, e.g. windowsServer2025DatacenterGen2('${newest}')), then deploy again: a pinned version never moves, so no later lookup can take the build backwards. Move the pin forward when a newer version is listed (\`${listCommand(image)}\`).`;
}
async function checkPurchasePlan(op, az, image, declared, subscriptionId) {
  const subscription = subscriptionId ? [`--subscription=${subscriptionId}`] : [];
  const urn = `${image.urn}:${image.version}`;
  op.phase = "plan";
  op.log(`plan: reading the purchase plan of ${urn} in ${image.location} (declared: ${describePlan(declared)})`);
  const shown2 = await az.query(
    "plan",
    ["vm", "image", "show", `--location=${image.location}`, `--urn=${urn}`, ...subscription],
    ExitCode.AZ_FAILED,
    "Check that the identity may read the subscription (any role on it, e.g. Reader, reads marketplace images); then run the deployment again."
  );
  const actual = planOf(shown2);
  if (!samePlan(actual, declared)) {
    return op.fail(ExitCode.PURCHASE_PLAN_MISMATCH, planMismatch(image, actual, declared));
  }
  if (actual === void 0) {
    op.log(`plan: ${urn} has no purchase plan, as declared: the build may start from it`);
    return;
  }
  op.phase = "terms";
  op.log(`plan: ${urn} has the declared purchase plan ${describePlan(actual)}; reading whether its terms are accepted`);
  const terms = await az.query("terms", [
    "vm",
    "image",
    "terms",
    "show",
    `--publisher=${actual.publisher}`,
    `--offer=${actual.product}`,
    `--plan=${actual.name}`,
    ...subscription
  ], ExitCode.AZ_FAILED, "Check that the identity may read the subscription's marketplace agreements (any role on it, e.g. Reader); then run the deployment again.");
  if (terms?.accepted !== true) {
    const license = typeof terms?.licenseTextLink === "string" ? ` (${terms.licenseTextLink})` : "";
    return op.fail(ExitCode.TERMS_NOT_ACCEPTED, `terms: the terms of purchase plan ${describePlan(actual)} of ${urn} are not accepted in ${subscriptionId ? `subscription ${subscriptionId}` : "az's subscription"}: Azure creates no VM from the image until they are (MarketplacePurchaseEligibilityFailed), so the build VM was not created. Fix: read the terms${license} and accept them, once per subscription: \`az vm image terms accept --publisher ${actual.publisher} --offer ${actual.product} --plan ${actual.name}${subscriptionId ? ` --subscription ${subscriptionId}` : ""}\` (or \`az vm image terms accept --urn ${urn}\`), then run the deployment again.`);
  }
  op.log(`terms: the terms of ${describePlan(actual)} are accepted: the build may start from ${urn}`);
}
function planOf(shown2) {
  const plan = shown2?.plan;
  if (plan === null || plan === void 0 || typeof plan.name !== "string" || typeof plan.product !== "string" || typeof plan.publisher !== "string") {
    return void 0;
  }
  return { name: plan.name, product: plan.product, publisher: plan.publisher };
}
function samePlan(a, b) {
  if (a === void 0 || b === void 0) {
    return a === b;
  }
  return sameName(a.name, b.name) && sameName(a.product, b.product) && sameName(a.publisher, b.publisher);
}
function describePlan(plan) {
  return plan === void 0 ? "no purchase plan" : `name=${plan.name} product=${plan.product} publisher=${plan.publisher}`;
}
function planMismatch(image, actual, declared) {
  const urn = `${image.urn}:${image.version}`;
  const written = `${image.urn}:${image.pinned ? image.version : "latest"}`;
  const literal = (plan) => `{ name: '${plan.name}', product: '${plan.product}', publisher: '${plan.publisher}' }`;
  const what = actual === void 0 ? `has no purchase plan, but the MarketplaceImage declares ${describePlan(declared)}: Azure refuses a VM whose plan is not its image's` : `has the purchase plan ${describePlan(actual)}, but the MarketplaceImage declares ${describePlan(declared)}: Azure creates a VM from it (and from every image captured from it) only with its own plan`;
  const fix = actual === void 0 ? `remove the plan: MarketplaceImage.fromUrn('${written}')` : `declare the image's plan, MarketplaceImage.fromUrn('${written}', { plan: ${literal(actual)} }) (a GalleryImage of the build takes the same purchasePlan), accept its terms once per subscription (\`az vm image terms accept --publisher ${actual.publisher} --offer ${actual.product} --plan ${actual.name}\`)`;
  return `plan: ${urn} in ${image.location} ${what} ("Find and use Azure Marketplace VM images with Azure CLI", Check the purchase plan information), so the build VM was not created. Fix: ${fix}, then deploy again.`;
}

// lib/operator/steps/gallery-versions.ts
var REGION = /^[a-z][a-z0-9]{2,40}$/;
var GALLERY_LOCATION = { env: "GOLDEN_GALLERY_LOCATION", pattern: REGION, description: "an Azure region name such as westeurope" };
var MAX_REPLICAS_PER_REGION = 100;
var GALLERY_STORAGE_TYPES = ["Standard_LRS", "Standard_ZRS", "Premium_LRS"];
var TARGET_REGIONS = {
  env: "GOLDEN_TARGET_REGIONS",
  pattern: new RegExp(`^[a-z][a-z0-9]{2,40}=([1-9][0-9]?|${MAX_REPLICAS_PER_REGION})=(${GALLERY_STORAGE_TYPES.join("|")})$`),
  description: `region=replicaCount=storageType (e.g. westeurope=2=Standard_ZRS; 1-${MAX_REPLICAS_PER_REGION} replicas; ${GALLERY_STORAGE_TYPES.slice(0, -1).join(", ")} or ${GALLERY_STORAGE_TYPES[GALLERY_STORAGE_TYPES.length - 1]})`
};
var PUBLISH_TIMEOUT_MINUTES = {
  env: "GOLDEN_PUBLISH_TIMEOUT_MINUTES",
  prop: "publishTimeoutMinutes",
  min: 30,
  max: 720,
  default: 180
};
var BUILD_VM_ID = {
  env: "GOLDEN_SOURCE_ID",
  pattern: /^\/subscriptions\/[0-9A-Fa-f-]{36}\/resourceGroups\/[-A-Za-z0-9_.()]{1,90}\/providers\/Microsoft\.Compute\/virtualMachines\/[-A-Za-z0-9_.]{1,80}$/,
  description: "the resource id of the generalized build VM"
};
var END_OF_LIFE_DATE = {
  env: "GOLDEN_END_OF_LIFE_DATE",
  pattern: /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/,
  description: "a date YYYY-MM-DD"
};
var EXCLUDE_FROM_LATEST = { env: "GOLDEN_EXCLUDE_FROM_LATEST", pattern: /^(true|false)$/, description: "true or false" };
var RETAIN_VERSIONS = { env: "GOLDEN_RETAIN_VERSIONS", prop: "retainVersions", min: 1, max: 50, default: 3 };
function targetRegionLines(regions) {
  return regions.map((r) => `${r.location}=${r.replicaCount}=${r.storageType}`).join("\n");
}
function readTargets(reader) {
  const location = reader.text(GALLERY_LOCATION);
  const publishMinutes = reader.number(PUBLISH_TIMEOUT_MINUTES);
  const regions = [];
  for (const line of reader.lines(TARGET_REGIONS)) {
    const [region, count, storageType] = line.split("=");
    if (regions.some((r) => r.location === region)) {
      throw reader.invalid(`${TARGET_REGIONS.env} names ${region} twice.`);
    }
    regions.push({ location: region, replicaCount: Number(count), storageType });
  }
  if (regions.length === 0) {
    throw reader.invalid(`${TARGET_REGIONS.env} must hold at least one region=replicaCount=storageType line.`);
  }
  if (!regions.some((r) => r.location === location)) {
    throw reader.invalid(`${TARGET_REGIONS.env} must include the gallery's own region ${location} (${GALLERY_LOCATION.env}): Azure keeps a replica where the version is made.`);
  }
  return { location, regions, publishMinutes };
}
function targetRegionArgs(regions) {
  return regions.map((r) => `${r.location}=${r.replicaCount}=${r.storageType.toLowerCase()}`);
}
function readLineInputs(op) {
  op.phase = "validate";
  const reader = new InputReader(op.env, GALLERY_CONSTRUCT);
  return { reader, tuning: readTuning(reader), line: readGalleryLine(reader) };
}
function versionsOf(op, { tuning, line }, notFound) {
  return new GalleryVersions(op, new Az(op, tuning, notFound), line);
}
function where(line) {
  return `in resource group ${line.resourceGroup}${line.subscriptionId ? ` (subscription ${line.subscriptionId})` : ""}`;
}
function versionNotFound(line, version, done) {
  return { subject: `version ${version} of image definition ${lineName(line)} ${where(line)}`, what: "it", hint: republishHint(done) };
}
function republishHint(done) {
  return `Run the deployment again: the publish step publishes it anew before it is ${done}.`;
}
var SOURCE_HINT = "The source must be the generalized build VM, in the gallery's region, of the security type and generation of the image definition; a version left Failed is deleted and published again by the next run. Fix the cause, then run the deployment again.";
var REBUILD_HINT = "A build VM that is gone is built anew by the next deployment: run the deployment again.";
var RECREATE_HINT = "Terraform creates a gallery, image definition or resource group that is gone again: run the deployment again.";
function missingForPublish(line, sourceId, result) {
  const group = /Resource group '([^']+)' could not be found/.exec(result.stderr)?.[1];
  const vmGroup = sourceId.split("/")[4];
  if (/Microsoft\.Compute\/virtualMachines\//i.test(result.stderr) || group !== void 0 && group.toLowerCase() === vmGroup.toLowerCase() && group.toLowerCase() !== line.resourceGroup.toLowerCase()) {
    return { subject: group === void 0 ? `the build VM ${sourceId}` : `resource group ${group} of the build VM ${sourceId}`, what: "it", hint: REBUILD_HINT };
  }
  if (group !== void 0) {
    return { subject: `resource group ${group} of gallery ${line.gallery}`, what: "it", hint: RECREATE_HINT };
  }
  if (/ParentResourceNotFound|Microsoft\.Compute\/galleries\//i.test(result.stderr)) {
    return { subject: `image definition ${lineName(line)} ${where(line)}`, what: "it or its gallery", hint: RECREATE_HINT };
  }
  return { subject: `the build VM ${sourceId}, or image definition ${lineName(line)} ${where(line)}`, what: "one of them", hint: `${REBUILD_HINT} ${RECREATE_HINT}` };
}
function replicationFailure(version, status) {
  return `The replication of version ${version} failed: ${describeReplication(status)} (Azure's own error above)`;
}
function replicationFailed(status) {
  return failedRegions(status).length > 0 || status.kind === "read" && status.provisioningState === "Failed";
}
function seconds(op, since) {
  return Math.floor((op.clock.now() - since) / 1e3);
}
function readEndOfLife(reader, revision) {
  const date = reader.optionalText(END_OF_LIFE_DATE);
  if (date === void 0) {
    return void 0;
  }
  if (!isIsoDate(date)) {
    throw reader.invalid(`${END_OF_LIFE_DATE.env} must be a date that exists; got ${date}.`);
  }
  const buildDay = `${revision.slice(0, 4)}-${revision.slice(4, 6)}-${revision.slice(6, 8)}`;
  if (date < buildDay) {
    throw reader.invalid(`${END_OF_LIFE_DATE.env} ${date} is before the build's own day, ${buildDay} (revision ${revision}): the version would be published past its end of life. Pass a later date, or none.`);
  }
  return date;
}
async function publish(op) {
  const inputs = readLineInputs(op);
  const { reader, tuning, line } = inputs;
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const sourceId = reader.text(BUILD_VM_ID);
  const endOfLife = readEndOfLife(reader, revision);
  const targets = readTargets(reader);
  const extraTags = readExtraTags(op, op.env, "the publish step");
  const name = lineName(line);
  const versions = versionsOf(op, inputs, { subject: `image definition ${name} ${where(line)}`, what: "it or its gallery", hint: RECREATE_HINT });
  op.interruptNote = "Azure goes on with what it accepted: run the deployment again to resume (a version still being created is waited for, a failed one is published again).";
  op.log(`publish: version ${version} of ${name} in resource group ${line.resourceGroup} from ${sourceId}, build ${revision}`);
  op.log(`publish: target regions ${targetRegionLines(targets.regions).split("\n").join(" ")}; excluded from latest until promoted; limit ${targets.publishMinutes} minutes`);
  await versions.az.start(reader);
  op.phase = "publish";
  const limitSeconds = targets.publishMinutes * 60;
  const started = op.clock.now();
  const deadline = started + limitSeconds * 1e3;
  let created = false;
  for (; ; ) {
    const found = await versions.read("publish", version);
    if (found.state === ABSENT) {
      if (created) {
        op.fail(ExitCode.AZ_FAILED, `publish: az sig image-version create succeeded, but version ${version} of ${name} does not exist. Run the deployment again.`);
      }
      await create(op, versions, { version, revision, sourceId, endOfLife, targets, extraTags, deadline });
      created = true;
    } else if (found.state === "Succeeded") {
      versions.requireOwn("publish", version, revision, found);
      op.log(created ? `publish: version ${version} published in ${seconds(op, started)}s (excluded from latest: ${found.excludedFromLatest})` : `publish: version ${version} exists already (an earlier run published it): not publishing it again (excluded from latest: ${found.excludedFromLatest})`);
      return;
    } else if (["Creating", "Updating", "Deleting", "Migrating"].includes(found.state)) {
      if (found.state !== "Deleting") {
        versions.requireOwn("publish", version, revision, found);
      }
      if (op.clock.now() >= deadline) {
        const replication = describeReplication(await versions.replication("publish", version));
        op.fail(ExitCode.TIMEOUT, `publish: version ${version} is still ${found.state} after ${targets.publishMinutes} minutes (${PUBLISH_TIMEOUT_MINUTES.env}): ${replication}. Azure goes on: run the deployment again to wait for it.`);
      }
      op.log(`publish: version ${version} is ${found.state} (an earlier run's publication, or Azure still replicating): waiting, ${seconds(op, started)}s of ${limitSeconds}s`);
      await op.pause("publish", tuning.pollSeconds, `waiting for version ${version} to leave ${found.state}`, tuning.pollSeconds);
    } else if (found.state === "Failed") {
      versions.requireOwn("publish", version, revision, found);
      const replication = describeReplication(await versions.replication("publish", version));
      if (created) {
        op.fail(ExitCode.AZ_FAILED, `publish: version ${version} of ${name} was created but is Failed: ${replication}. Fix the cause, then run the deployment again: the failed version is deleted and published again.`);
      }
      op.log(`publish: version ${version} is Failed (an earlier run's publication: ${replication}): deleting it to publish it again`);
      await versions.delete(version);
    } else {
      op.fail(ExitCode.AZ_FAILED, `publish: version ${version} of ${name} is in state ${JSON.stringify(found.state)}, which this step does not know. Look at it in the portal, then run the deployment again.`);
    }
  }
}
async function create(op, versions, publication) {
  const { version, revision, sourceId, endOfLife, targets, extraTags, deadline } = publication;
  const { line, az } = versions;
  const started = op.clock.now();
  const limit = Math.max(1, Math.ceil((deadline - started) / 1e3));
  const args = [
    "sig",
    "image-version",
    "create",
    ...versionArgs(line, version),
    `--virtual-machine=${sourceId}`,
    `--location=${targets.location}`,
    "--target-regions",
    ...targetRegionArgs(targets.regions),
    "--replication-mode=Full",
    "--exclude-from-latest=true",
    "--tags",
    `${NAME_TAG}=${line.definition}`,
    `${REVISION_TAG}=${revision}`,
    ...extraTags,
    ...endOfLife !== void 0 ? [`--end-of-life-date=${endOfLife}`] : [],
    "--output",
    "none"
  ];
  op.log(`publish: creating version ${version} from the build VM and replicating it (limit ${limit}s)`);
  const result = await az.call("publish", limit, args);
  const what = "publish: az sig image-version create";
  if (result === TIMED_OUT) {
    const replication = describeReplication(await versions.replication("publish", version));
    op.fail(ExitCode.TIMEOUT, `${what} did not return within ${targets.publishMinutes} minutes (${PUBLISH_TIMEOUT_MINUTES.env}): ${replication}. Azure goes on creating and replicating it: run the deployment again, which waits for it.`);
  }
  if (result.exitCode !== 0) {
    if (azFault(result) === void 0) {
      const status = await versions.replication("publish", version);
      if (replicationFailed(status)) {
        az.fail(ExitCode.AZ_FAILED, what, `${replicationFailure(version, status)}. Fix the cause, or leave the region out of targetRegions, then run the deployment again: the failed version is deleted and published again.`, result, null);
      }
    }
    az.fail(ExitCode.AZ_FAILED, what, SOURCE_HINT, result, missingForPublish(line, sourceId, result));
  }
  op.log(`publish: az sig image-version create returned after ${seconds(op, started)}s`);
}
async function readReplicas(versions, version) {
  const rows = await versions.az.query("replicate", [
    "sig",
    "image-version",
    "show",
    ...versionArgs(versions.line, version),
    "--query",
    "publishingProfile.targetRegions[].[name, regionalReplicaCount, storageAccountType]"
  ], ExitCode.AZ_FAILED, "Check that the identity may read the gallery.");
  const replicas = /* @__PURE__ */ new Map();
  for (const row of Array.isArray(rows) ? rows : []) {
    if (Array.isArray(row) && typeof row[0] === "string" && typeof row[1] === "number" && typeof row[2] === "string") {
      replicas.set(canonicalRegion(row[0]), { count: row[1], storageType: row[2] });
    }
  }
  return replicas;
}
async function replicate(op) {
  const inputs = readLineInputs(op);
  const { reader, line } = inputs;
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const targets = readTargets(reader);
  const versions = versionsOf(op, inputs, versionNotFound(line, version, "replicated"));
  op.interruptNote = "Azure goes on replicating what it accepted: run the deployment again, which compares the replicas anew.";
  op.log(`replicate: version ${version} of ${lineName(line)} in resource group ${line.resourceGroup}: target regions ` + targetRegionLines(targets.regions).split("\n").join(" "));
  await versions.az.start(reader);
  op.phase = "replicate";
  await versions.requirePublished("replicate", version, revision, "its replicas cannot change yet", republishHint("replicated"));
  const current = await readReplicas(versions, version);
  const wanted = [];
  let changed = false;
  for (const target of targets.regions) {
    const replica = current.get(target.location);
    let storageType = target.storageType;
    if (replica === void 0) {
      op.log(`replicate: ${target.location}: new, ${target.replicaCount} replica(s) of ${target.storageType}`);
      changed = true;
    } else {
      if (replica.storageType !== target.storageType) {
        op.log(`replicate: ${target.location} keeps its storage type ${replica.storageType} (Azure does not change it in place; the next build's version gets ${target.storageType})`);
        storageType = replica.storageType;
      }
      if (replica.count !== target.replicaCount) {
        op.log(`replicate: ${target.location}: ${replica.count} -> ${target.replicaCount} replica(s)`);
        changed = true;
      }
    }
    wanted.push({ ...target, storageType });
  }
  const removed = [...current.keys()].filter((region) => !targets.regions.some((t) => t.location === region));
  for (const region of removed) {
    op.log(`replicate: ${region} is no longer a target region: its replicas are removed`);
  }
  if (!changed && removed.length === 0) {
    op.log("replicate: the replicas are as asked already");
    return;
  }
  const args = [
    "sig",
    "image-version",
    "update",
    ...versionArgs(line, version),
    "--target-regions",
    ...targetRegionArgs(wanted),
    // Azure removes a replicated region only when told so (az 2.42 and later).
    ...removed.length > 0 ? ["--allow-replicated-location-deletion=true"] : [],
    "--output",
    "none"
  ];
  const started = op.clock.now();
  const what = "replicate: az sig image-version update";
  const result = await versions.az.call("replicate", targets.publishMinutes * 60, args);
  if (result === TIMED_OUT) {
    const replication = describeReplication(await versions.replication("replicate", version));
    op.fail(ExitCode.TIMEOUT, `${what} did not return within ${targets.publishMinutes} minutes (${PUBLISH_TIMEOUT_MINUTES.env}): ${replication}. Azure goes on replicating: run the deployment again, which compares the replicas anew.`);
  }
  if (result.exitCode !== 0) {
    if (azFault(result) === void 0) {
      const status = await versions.replication("replicate", version);
      if (replicationFailed(status)) {
        versions.az.fail(ExitCode.AZ_FAILED, what, `${replicationFailure(version, status)}. Fix the cause, or leave the region out of targetRegions, then run the deployment again.`, result, null);
      }
    }
    versions.az.fail(
      ExitCode.AZ_FAILED,
      what,
      "Check the regions (the gallery must be available there) and the replica quota, then run the deployment again.",
      result
    );
  }
  op.log(`replicate: replicas updated in ${seconds(op, started)}s`);
}
async function promote(op) {
  const inputs = readLineInputs(op);
  const { reader, line } = inputs;
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const exclude = (reader.optionalText(EXCLUDE_FROM_LATEST) ?? "false") === "true";
  const retain = reader.number(RETAIN_VERSIONS);
  const versions = versionsOf(op, inputs, versionNotFound(line, version, "promoted"));
  op.interruptNote = "Run the deployment again to resume (a promoted version is not updated again; the pruning goes on where it stopped).";
  op.log(`promote: version ${version} of ${lineName(line)} in resource group ${line.resourceGroup} (keeping the newest ${retain} of the line)`);
  await versions.az.start(reader);
  op.phase = "promote";
  const found = await versions.requirePublished("promote", version, revision, "it cannot serve VMs yet", republishHint("promoted"));
  if (exclude) {
    op.log(found.excludedFromLatest === false ? `promote: ${EXCLUDE_FROM_LATEST.env}=true, but version ${version} is already promoted (not excluded from latest): left as it is` : `promote: ${EXCLUDE_FROM_LATEST.env}=true: version ${version} stays excluded from latest (VMs that use latest keep the previous version)`);
  } else if (found.excludedFromLatest === false) {
    op.log(`promote: version ${version} is already promoted (not excluded from latest): nothing to change`);
  } else {
    const started = op.clock.now();
    op.log(`promote: letting latest resolve to version ${version} (publishingProfile.excludeFromLatest=false)`);
    await versions.az.mustSucceed("promote", QUERY_SECONDS, [
      "sig",
      "image-version",
      "update",
      ...versionArgs(line, version),
      "--set",
      "publishingProfile.excludeFromLatest=false",
      "--output",
      "none"
    ], {
      timedOut: `promote: az sig image-version update did not return within ${QUERY_SECONDS}s. Run the deployment again.`,
      what: "promote: az sig image-version update",
      hint: "The version stays excluded from latest. Run the deployment again once the cause is fixed."
    });
    op.log(`promote: version ${version} promoted in ${seconds(op, started)}s: VMs and scale sets that use latest get it from now on`);
  }
  await prune(op, versions, version, retain);
}
async function prune(op, versions, version, retain) {
  op.phase = "prune";
  const all = await versions.list();
  const excess = all.length - retain;
  if (excess <= 0) {
    op.log(`prune: ${all.length} version(s) in line ${versions.name}, keeping all (at most ${retain})`);
    return;
  }
  const latest = all.filter((v) => !v.excludedFromLatest).pop()?.name;
  op.log(`prune: ${all.length} version(s) in line ${versions.name}, keeping the newest ${retain}${latest === void 0 ? "" : ` and ${latest}, which latest resolves to`}`);
  for (const old of all.slice(0, excess)) {
    if (old.name !== version && old.name !== latest) {
      await versions.delete(old.name);
    }
  }
}
async function deleteAll(op) {
  const inputs = readLineInputs(op);
  const { reader, line } = inputs;
  const versions = versionsOf(op, inputs, { subject: `image definition ${lineName(line)} ${where(line)}`, what: "it", hint: RECREATE_HINT });
  op.interruptNote = "Run the deployment (or the destroy) again to delete the versions left.";
  op.log(`delete-all: deleting every version of line ${lineName(line)} in resource group ${line.resourceGroup}`);
  await versions.az.start(reader);
  op.phase = "delete-all";
  for (const old of await versions.list()) {
    await versions.delete(old.name);
  }
  op.log("delete-all: done");
}

// lib/operator/steps/generalize.ts
var GENERALIZE_NAME = "generalize-vm";
var GENERALIZE_CONSTRUCT = "GeneralizedImage";
var SYSPREP_MINUTES = {
  env: "GOLDEN_SYSPREP_TIMEOUT_MINUTES",
  prop: "timeouts.sysprepMinutes",
  min: 5,
  max: 80,
  default: 30,
  reason: "Run Command stops scripts after 90 minutes"
};
var DEALLOCATE_MINUTES = {
  env: "GOLDEN_DEALLOCATE_TIMEOUT_MINUTES",
  prop: "timeouts.deallocateMinutes",
  min: 5,
  max: 60,
  default: 20
};
var SYSPREP_RESULT_MARKER = "GOLDEN-IMAGE-SYSPREP-RESULT:";
var SYSPREP_TAG = "golden-image-sysprep";
var SYSPREP_TAG_VALUE = "succeeded";
var RUN_COMMAND_EXTRA_MINUTES2 = 10;
var NOT_FOUND_HINT2 = "If the deletion was intended, remove the GeneralizedImage from the configuration; otherwise run the deployment again: Terraform sees the VM is gone, builds it again, and this step runs anew.";
async function generalize(op) {
  const reader = new InputReader(op.env, GENERALIZE_CONSTRUCT);
  const vm = Vm.read(op, reader, NOT_FOUND_HINT2);
  const script = vm.guestScript("generalize.ps1");
  const sysprepMinutes = reader.number(SYSPREP_MINUTES);
  const deallocateMinutes = reader.number(DEALLOCATE_MINUTES);
  const limits = {
    sysprepMinutes,
    sysprepSeconds: sysprepMinutes * 60,
    runCommandSeconds: (sysprepMinutes + RUN_COMMAND_EXTRA_MINUTES2) * 60,
    deallocateMinutes,
    deallocateSeconds: deallocateMinutes * 60
  };
  const state = await vm.start(limits.deallocateSeconds, reader);
  if (state.generalized && state.power === "deallocated") {
    op.log("state: the VM is already generalized and deallocated: nothing to do");
    return;
  }
  if (state.generalized) {
    op.log("state: the VM is already generalized: skipping Sysprep");
    await deallocate(op, vm, limits);
  } else if (state.power === "deallocated") {
    requireSysprepRecord(op, state);
    op.log(`state: the VM is already deallocated and tagged ${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}: skipping Sysprep and the deallocation (a previous run deallocated it after Sysprep succeeded)`);
    await markGeneralized(op, vm);
  } else if (state.power === "running") {
    await sysprep(op, vm, script, limits);
    await recordSysprep(op, vm);
    await deallocate(op, vm, limits);
    await markGeneralized(op, vm);
  } else if (state.power === "stopped") {
    op.fail(ExitCode.UNEXPECTED_STATE, "state: the VM is stopped but not deallocated, so this step cannot tell whether Sysprep ran (it never stops a VM itself). If Sysprep completed, deallocate it (`az vm deallocate`); otherwise start it (`az vm start`). Then run the deployment again.");
  } else {
    op.fail(ExitCode.UNEXPECTED_STATE, `state: unexpected power state '${state.power}' (status codes: ${state.codes.join(" ")}). Check the VM in the portal, then run the deployment again.`);
  }
  op.phase = "verify";
  const final = await vm.state("verify");
  if (final.power !== "deallocated" || !final.generalized) {
    op.fail(ExitCode.UNEXPECTED_STATE, `verify: expected PowerState/deallocated and OSState/generalized, got: ${final.codes.join(" ")}`);
  }
  op.log("verify: the VM is deallocated and generalized; the image can be captured");
}
function requireSysprepRecord(op, state) {
  const recorded = Object.entries(state.tags).some(([key, value]) => key.toLowerCase() === SYSPREP_TAG && value === SYSPREP_TAG_VALUE);
  if (!recorded) {
    op.fail(ExitCode.UNEXPECTED_STATE, `state: the VM is deallocated, but it has no tag ${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}, which this step puts on it once Sysprep succeeded in the guest: something else deallocated it (an auto-shutdown schedule, a person) before Sysprep finished, or Sysprep failed. Generalizing it would capture an image every VM fails to provision from, so nothing was done. Fix: start the VM (\`az vm start --resource-group <group> --name <vm>\`), remove any auto-shutdown schedule from it, then run the deployment again: Sysprep runs in the guest again. If Windows does not come back (the logs in C:\\Windows\\System32\\Sysprep\\Panther say why), build a new VM: \`terraform apply -replace=<the build VM's address>\`.`);
  }
}
async function sysprep(op, vm, script, limits) {
  op.phase = "sysprep";
  op.log(`sysprep: running Sysprep in the guest through Run Command (Sysprep limit ${limits.sysprepSeconds}s)`);
  const output = await vm.runGuestScript("sysprep", limits.runCommandSeconds, script, "Sysprep", {
    TimeoutSeconds: String(limits.sysprepSeconds),
    PollSeconds: String(vm.tuning.pollSeconds)
  });
  if (output === TIMED_OUT) {
    op.fail(ExitCode.TIMEOUT, `sysprep: Run Command did not return within ${limits.runCommandSeconds}s (Sysprep limit ${limits.sysprepMinutes} minutes plus ${RUN_COMMAND_EXTRA_MINUTES2}). The VM is left running: look at C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log in the guest, then run the deployment again.`);
  }
  const hasErrors = printGuestOutput(op, output);
  const failure = output.stdout.split(/\r?\n/).find((line) => line.startsWith(`${SYSPREP_RESULT_MARKER} FAILURE`));
  if (failure !== void 0) {
    op.fail(ExitCode.SYSPREP_FAILED, `sysprep: Sysprep failed in the guest: ${failure.slice(`${SYSPREP_RESULT_MARKER} FAILURE `.length)}. The tail of the Panther logs is printed above${hasErrors ? ", and so is the guest's error output (guest stderr|)" : ""}; the VM is left running and not generalized, so its full logs stay readable in C:\\Windows\\System32\\Sysprep\\Panther. Fix the cause, then run the deployment again.`);
  }
  if (guestMarker(output, SYSPREP_RESULT_MARKER) !== "SUCCESS") {
    if (hasErrors) {
      op.fail(ExitCode.SYSPREP_FAILED, `sysprep: the guest script stopped on an error, printed above (guest stderr|), before its result marker (${SYSPREP_RESULT_MARKER} ...), although Run Command reported success. The VM is left running and not generalized; fix the cause, then run the deployment again.`);
    }
    if (!/\S/.test(output.stdout)) {
      op.fail(ExitCode.SYSPREP_FAILED, `sysprep: Run Command returned no output of the guest script, so nothing says whether Sysprep ran (no result marker, ${SYSPREP_RESULT_MARKER} ...). Run Command returns the output only when the VM can reach Azure: check that the VM's subnet allows outbound HTTPS to the AzureCloud service tag (no firewall, NAT or NSG rule blocking it), then run the deployment again. The VM is left running.`);
    }
    op.fail(ExitCode.SYSPREP_FAILED, `sysprep: the guest script's output holds no result marker (${SYSPREP_RESULT_MARKER} ...): it did not run to its end. The VM is left running; run the deployment again.`);
  }
  if (hasErrors) {
    op.log("sysprep: the guest script wrote to its error stream (printed above), but its result marker says Sysprep finished");
  }
  op.log("sysprep: Windows is generalized in the guest");
}
async function recordSysprep(op, vm) {
  op.phase = "record";
  await vm.az.mustSucceed("record", 300, ["vm", "update", ...vm.args, "--set", `tags.${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}`, "--output", "none"], {
    timedOut: "record: az vm update did not return within 300s. Run the deployment again (Sysprep is not repeated: the guest knows it finished).",
    what: "record: az vm update",
    hint: "Run the deployment again once the cause is fixed: Sysprep is not repeated (the guest knows it finished)."
  });
  op.log(`record: tagged the VM ${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}`);
}
async function deallocate(op, vm, limits) {
  op.phase = "deallocate";
  op.log(`deallocate: deallocating the VM (limit ${limits.deallocateSeconds}s)`);
  await vm.az.mustSucceed("deallocate", limits.deallocateSeconds, ["vm", "deallocate", ...vm.args, "--output", "none"], {
    timedOut: `deallocate: the VM was not deallocated within ${limits.deallocateMinutes} minutes (GeneralizedImage timeouts.deallocateMinutes). It may still be deallocating: run the deployment again to resume.`,
    what: "deallocate: az vm deallocate",
    hint: "Run the deployment again to resume: Sysprep is not repeated."
  });
  op.log("deallocate: done");
}
async function markGeneralized(op, vm) {
  op.phase = "generalize";
  op.log("generalize: marking the VM as generalized");
  await vm.az.mustSucceed("generalize", 300, ["vm", "generalize", ...vm.args, "--output", "none"], {
    timedOut: "generalize: az vm generalize did not return within 300s. Run the deployment again to resume.",
    what: "generalize: az vm generalize",
    hint: "The VM is deallocated: run the deployment again to resume (Sysprep and the deallocation are not repeated)."
  });
  op.log("generalize: done");
}

// lib/operator/steps/images.ts
var IMAGES_NAME = "images";
var IMAGES_CONSTRUCT = "GeneralizedImage or ImageCopy";
var IMAGE_RESOURCE_GROUP = { ...RESOURCE_GROUP, env: "GOLDEN_IMAGE_RESOURCE_GROUP" };
var MAX_IMAGE_LINE_NAME_LENGTH = 65;
var IMAGE_LINE_NAME = {
  env: "GOLDEN_IMAGE_NAME",
  pattern: new RegExp(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,${MAX_IMAGE_LINE_NAME_LENGTH - 2}}[A-Za-z0-9_])?$`),
  description: `an image name of 1-${MAX_IMAGE_LINE_NAME_LENGTH} letters, digits, _ . - (the revision is appended to it)`
};
var SOURCE_ID = {
  env: "GOLDEN_SOURCE_ID",
  pattern: /^\/subscriptions\/[0-9A-Fa-f-]{36}\/resourceGroups\/[-A-Za-z0-9_.()]{1,90}\/providers\/Microsoft\.Compute\/(virtualMachines|disks)\/[-A-Za-z0-9_.]{1,80}$/,
  description: "the resource id of a VM or managed disk"
};
var IMAGE_LOCATION = { env: "GOLDEN_IMAGE_LOCATION", ...REGION_NAME };
var HYPERV_GENERATION = { env: "GOLDEN_HYPERV_GENERATION", pattern: /^V[12]$/, description: "V1 or V2" };
var OS_TYPE = { env: "GOLDEN_OS_TYPE", pattern: /^(Windows|Linux)$/, description: "Windows or Linux" };
var DEFAULT_OS_TYPE = "Windows";
var STORAGE_SKU = {
  env: "GOLDEN_STORAGE_SKU",
  pattern: /^(Standard_LRS|Premium_LRS|StandardSSD_LRS|StandardSSD_ZRS|Premium_ZRS)$/,
  description: "a storage type such as StandardSSD_LRS"
};
var RETAIN_BUILDS = { env: "GOLDEN_RETAIN_BUILDS", prop: "retainBuilds", min: 1, max: 50, default: 3 };
var CAPTURE_MINUTES = 60;
var QUERY_SECONDS2 = 300;
var NOT_FOUND_HINT3 = "The source of the image is gone: run the deployment again, so that Terraform builds it anew.";
var ImageLine = class _ImageLine {
  constructor(op, az, name, resourceGroup, subscriptionId) {
    this.op = op;
    this.az = az;
    this.name = name;
    this.resourceGroup = resourceGroup;
    this.groupArgs = [...subscriptionId ? [`--subscription=${subscriptionId}`] : [], `--resource-group=${resourceGroup}`];
  }
  op;
  az;
  name;
  resourceGroup;
  static read(op, reader) {
    op.phase = "validate";
    const tuning = readTuning(reader);
    const subscriptionId = reader.optionalText(SUBSCRIPTION_ID, "ARM_SUBSCRIPTION_ID");
    const resourceGroup = reader.text(IMAGE_RESOURCE_GROUP);
    const name = reader.text(IMAGE_LINE_NAME);
    return new _ImageLine(op, new Az(op, tuning, {
      subject: `the source of image line ${name} or resource group ${resourceGroup}${subscriptionId ? ` (subscription ${subscriptionId})` : ""}`,
      what: "it",
      hint: NOT_FOUND_HINT3
    }), name, resourceGroup, subscriptionId);
  }
  /** The az arguments that name the resource group, in the `--option=value` form (a group name may start with a hyphen). */
  groupArgs;
  /** The Azure CLI's version and the az session, once the inputs are valid. */
  async start(reader) {
    await this.az.start(reader);
  }
  /** The line's images, oldest first (by revision, then name); none when the resource group does not exist. */
  async list() {
    const args = ["image", "list", ...this.groupArgs, "--query", `[?tags."${NAME_TAG}"=='${this.name}'].[tags."${REVISION_TAG}", name]`, "--output", "json"];
    const result = await this.az.call("list", QUERY_SECONDS2, args);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `list: az image list did not answer within ${QUERY_SECONDS2}s.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken("list: az image list", result);
      if (/ResourceGroupNotFound/.test(result.stderr) && azFault(result) === void 0) {
        return [];
      }
      return this.az.fail(ExitCode.AZ_FAILED, "list: az image list", "Check that the identity may read images in the resource group.", result);
    }
    const rows = this.az.parseJson("list: az image list", result, "[]");
    const images = (Array.isArray(rows) ? rows : []).filter((row) => Array.isArray(row) && row.length === 2 && typeof row[0] === "string" && /^[0-9]+$/.test(row[0]) && typeof row[1] === "string" && row[1] !== "").map(([revision, name]) => ({ revision, name }));
    return images.sort(byRevision2);
  }
  /** Deletes one image; one that is gone already counts as deleted. */
  async delete(name) {
    this.op.log(`delete: deleting image ${name}`);
    const result = await this.az.call("delete", QUERY_SECONDS2, ["image", "delete", ...this.groupArgs, `--name=${name}`, "--output", "none"]);
    if (result === TIMED_OUT) {
      this.op.fail(ExitCode.TIMEOUT, `delete: az image delete ${name} did not return within ${QUERY_SECONDS2}s. Run the deployment again.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(`delete: az image delete ${name}`, result);
      if (isNotFound(result) && azFault(result) === void 0) {
        this.op.log(`delete: ${name} is already gone`);
        return;
      }
      this.az.fail(ExitCode.AZ_FAILED, `delete: az image delete ${name}`, "A VM scale set or gallery version may still use it; run the deployment again once it does not.", result);
    }
  }
};
function byRevision2(a, b) {
  const [x, y] = [`${a.revision} ${a.name}`, `${b.revision} ${b.name}`];
  return x < y ? -1 : x > y ? 1 : 0;
}
async function capture(op) {
  const reader = new InputReader(op.env, IMAGES_CONSTRUCT);
  const line = ImageLine.read(op, reader);
  const revision = reader.text(BUILD_REVISION);
  const sourceId = reader.text(SOURCE_ID);
  const location = reader.text(IMAGE_LOCATION);
  const generation = reader.text(HYPERV_GENERATION);
  const osType = reader.optionalText(OS_TYPE) ?? DEFAULT_OS_TYPE;
  const storageSku = reader.optionalText(STORAGE_SKU);
  const retain = reader.number(RETAIN_BUILDS);
  const extraTags = readExtraTags(op, op.env, "the capture step");
  const imageName = `${line.name}-${revision}`;
  op.log(`capture: image ${imageName} in resource group ${line.resourceGroup} from ${sourceId} (keeping the newest ${retain} of line ${line.name})`);
  await line.start(reader);
  op.phase = "capture";
  let images = await line.list();
  if (images.some((image) => image.revision === revision && image.name === imageName)) {
    op.log(`capture: ${imageName} exists already (an earlier run captured it): not capturing it again`);
  } else {
    const args = [
      "image",
      "create",
      ...line.groupArgs,
      `--name=${imageName}`,
      `--source=${sourceId}`,
      `--location=${location}`,
      `--hyper-v-generation=${generation}`,
      "--tags",
      `${NAME_TAG}=${line.name}`,
      `${REVISION_TAG}=${revision}`,
      ...extraTags,
      .../\/disks\//.test(sourceId) ? [`--os-type=${osType}`] : [],
      ...storageSku !== void 0 ? [`--storage-sku=${storageSku}`] : [],
      "--output",
      "none"
    ];
    await line.az.mustSucceed("capture", CAPTURE_MINUTES * 60, args, {
      timedOut: `capture: az image create did not return within ${CAPTURE_MINUTES} minutes. Run the deployment again: an image that was created meanwhile is kept.`,
      what: "capture: az image create",
      hint: "A managed image needs a generalized source of the Standard security type; the source is left as it is. Fix the cause, then run the deployment again."
    });
    op.log(`capture: ${imageName} created`);
    images = [...images, { revision, name: imageName }].sort(byRevision2);
  }
  await prune2(op, line, images, retain, imageName);
}
async function prune2(op, line, images, retain, imageName) {
  op.phase = "prune";
  const excess = images.length - retain;
  if (excess <= 0) {
    op.log(`prune: ${images.length} image(s) in line ${line.name}, keeping all (at most ${retain})`);
    return;
  }
  op.log(`prune: ${images.length} image(s) in line ${line.name}, keeping the newest ${retain}`);
  for (const image of images.slice(0, excess)) {
    if (image.name !== imageName) {
      await line.delete(image.name);
    }
  }
}
async function deleteAll2(op) {
  const reader = new InputReader(op.env, IMAGES_CONSTRUCT);
  const line = ImageLine.read(op, reader);
  op.log(`delete-all: deleting every image of line ${line.name} in resource group ${line.resourceGroup}`);
  await line.start(reader);
  op.phase = "delete-all";
  for (const image of await line.list()) {
    await line.delete(image.name);
  }
  op.log("delete-all: done");
}

// lib/operator/steps/setup.ts
var path5 = __toESM(require("path"));
var SETUP_NAME = "setup-vm";
var SETUP_CONSTRUCT = "GoldenVm";
var SETUP_MINUTES = {
  env: "GOLDEN_SETUP_TIMEOUT_MINUTES",
  prop: "setupTimeoutMinutes",
  min: 5,
  max: 720,
  default: 60
};
var RESTART_MINUTES = { env: "GOLDEN_RESTART_TIMEOUT_MINUTES", min: 1, max: 120, default: 20 };
var EXPECTED_SECURITY_TYPE = {
  env: "GOLDEN_EXPECTED_SECURITY_TYPE",
  pattern: /^(Standard|TrustedLaunch)$/,
  description: "Standard or TrustedLaunch"
};
var EXPECTED_HYPERV_GENERATION = {
  env: "GOLDEN_EXPECTED_HYPERV_GENERATION",
  pattern: /^V[12]$/,
  description: "V1 or V2"
};
var KEEP_SETUP_FILES = { env: "GOLDEN_KEEP_SETUP_FILES", pattern: /^(true|false)$/, description: "true or false" };
var START_MARKER = "GOLDEN-IMAGE-SETUP-START:";
var STATUS_MARKER = "GOLDEN-IMAGE-SETUP-STATUS:";
var RESULT_MARKER = "GOLDEN-IMAGE-SETUP-RESULT:";
var FINISH_MARKER = "GOLDEN-IMAGE-SETUP-FINISH:";
var GUEST_CALL_SECONDS = 20 * 60;
var MAX_RESTARTS = 3;
var NOT_FOUND_HINT4 = "Run the deployment again: Terraform sees the VM is gone and builds it again.";
var OFFSET = /^(0|[1-9][0-9]{0,11})$/;
async function setup(op) {
  const reader = new InputReader(op.env, SETUP_CONSTRUCT);
  const vm = Vm.read(op, reader, NOT_FOUND_HINT4);
  const scripts = { start: vm.guestScript("setup-start.ps1"), status: vm.guestScript("setup-status.ps1"), finish: vm.guestScript("setup-finish.ps1") };
  const setupMinutes = reader.number(SETUP_MINUTES);
  const restartMinutes = reader.number(RESTART_MINUTES);
  const settings = {
    scripts,
    setupMinutes,
    setupSeconds: setupMinutes * 60,
    restartMinutes,
    restartSeconds: restartMinutes * 60,
    expectedSecurityType: reader.optionalText(EXPECTED_SECURITY_TYPE) ?? "Standard",
    expectedGeneration: reader.text(EXPECTED_HYPERV_GENERATION),
    keepSetupFiles: reader.optionalText(KEEP_SETUP_FILES) ?? "false"
  };
  const state = await vm.start(settings.restartSeconds, reader);
  if (state.generalized) {
    op.log("state: the VM is already generalized: its setup finished in an earlier run");
    return;
  }
  if (state.power !== "running") {
    op.fail(ExitCode.UNEXPECTED_STATE, `state: the VM is ${state.power} (status codes: ${state.codes.join(" ")}), but the setup needs it running. Start it (\`az vm start\`), then run the deployment again.`);
  }
  checkVmKind(op, state, settings);
  if (await startSetup(op, vm, settings)) {
    await followSetup(op, vm, settings);
  }
  await finishSetup(op, vm, settings);
  op.log("done: the VM is set up and clean, ready for Sysprep");
}
function checkVmKind(op, state, settings) {
  op.phase = "check";
  const expected = settings.expectedSecurityType;
  const security = state.securityType === void 0 || ["", "None", "null", "Standard"].includes(state.securityType) ? "Standard" : state.securityType;
  const generation = state.hyperVGeneration === void 0 || state.hyperVGeneration === "" || state.hyperVGeneration === "None" ? void 0 : state.hyperVGeneration;
  op.log(`check: security type ${security}, Hyper-V generation ${generation ?? "unknown"} (expected ${expected}, ${settings.expectedGeneration})`);
  if (security !== expected) {
    if (security === "TrustedLaunch" || security === "ConfidentialVM") {
      op.fail(ExitCode.UNEXPECTED_STATE, `check: Azure created the build VM as ${security} although the configuration asks for ${expected} (a subscription default or an Azure Policy made it so: azurerm 4.x sends no security profile for a Standard VM). A managed image cannot be captured from a ${security} VM, so the build stops now instead of failing at the capture. Fix: let this subscription create Standard VMs (unregister the Trusted-Launch-by-default preview feature, or exempt the build's resource group from the policy), then run the deployment again (the VM is replaced).`);
    }
    op.fail(ExitCode.UNEXPECTED_STATE, `check: the VM's security type is ${security}, but the image needs ${expected}. Fix: build the VM with the security type the image target needs, then run the deployment again.`);
  }
  if (generation !== void 0 && generation !== settings.expectedGeneration) {
    op.fail(ExitCode.UNEXPECTED_STATE, `check: the VM runs as Hyper-V generation ${generation}, but its marketplace image was declared ${settings.expectedGeneration}, and the image is captured as ${settings.expectedGeneration}. Fix: give MarketplaceImage the SKU's real generation (hyperVGeneration: HyperVGeneration.${generation}), then run the deployment again.`);
  }
}
async function runShortGuestScript(op, vm, phase, script, marker, parameters = {}) {
  const name = path5.basename(script);
  const output = await vm.runGuestScript(phase, GUEST_CALL_SECONDS, script, name, parameters);
  if (output === TIMED_OUT) {
    return op.fail(ExitCode.TIMEOUT, `${phase}: Run Command (${name}) did not return within ${GUEST_CALL_SECONDS}s. Check the VM's agent in the portal, then run the deployment again.`);
  }
  const result = guestMarker(output, marker);
  if (!result) {
    printToStderr(op, output);
    return op.fail(ExitCode.SETUP_FAILED, `${phase}: ${name} stopped before its result line (${marker} ...): its output is printed above. Run the deployment again; if it fails the same way, look at the guest's event log.`);
  }
  return { output, result };
}
function printToStderr(op, output) {
  op.print("  guest| ", output.stdout, "stderr");
  op.print("  guest stderr| ", output.stderr, "stderr");
}
async function startSetup(op, vm, settings) {
  op.phase = "setup";
  op.log(`setup: starting the setup in the guest (limit ${settings.setupSeconds}s)`);
  const { output, result } = await runShortGuestScript(op, vm, "setup", settings.scripts.start, START_MARKER);
  switch (result) {
    case "STARTED":
      op.log("setup: started as a scheduled task in the guest");
      return true;
    case "RUNNING":
      op.log("setup: already running in the guest (an interrupted earlier run): waiting for it, not starting it again");
      return true;
    case "SUCCEEDED":
      op.log("setup: already succeeded in an earlier run: not running it again");
      return true;
    case "NO-SETUP":
      op.log("setup: no setup left in the guest: an earlier run finished it and removed its files");
      return false;
    default:
      printToStderr(op, output);
      return op.fail(ExitCode.SETUP_FAILED, `setup: the setup could not be started in the guest: ${result}`);
  }
}
async function followSetup(op, vm, settings) {
  const started = op.clock.now();
  const setupLog = [];
  let offset = "0";
  for (; ; ) {
    const { output, result: status } = await runShortGuestScript(op, vm, "setup", settings.scripts.status, STATUS_MARKER, { Offset: offset });
    const lines2 = output.stdout.split(/\r?\n/).filter((line) => !line.startsWith(STATUS_MARKER) && line.trim() !== "");
    setupLog.push(...lines2);
    op.print("  guest| ", lines2.join("\n"));
    const [state, nextOffset] = status.split(" ");
    switch (state) {
      case "succeeded":
        op.log("setup: every step and the smoke test passed in the guest");
        return;
      case "failed": {
        const failure = setupLog.filter((line) => line.startsWith(`${RESULT_MARKER} FAILURE`)).pop();
        op.fail(ExitCode.SETUP_FAILED, `setup: ${failure === void 0 ? "the setup failed (its log holds no failure line)" : failure.slice(`${RESULT_MARKER} FAILURE `.length)}. The guest's log is printed above (guest|). Nothing was imaged; the VM is left running. Fix the step (a change of the setup builds a new VM), then run the deployment again.`);
      }
      case "ended":
        op.fail(ExitCode.SETUP_FAILED, `setup: the setup process in the guest ended without a result line (guest status: ${status}): it was killed, or the VM restarted during the setup. A step must not restart the VM itself: a pending reboot is done after the setup. The guest's log is printed above; run the deployment again to start the setup anew.`);
      case "missing":
        op.fail(ExitCode.SETUP_FAILED, "setup: the guest holds neither the setup's log nor its scheduled task: something removed them. Run the deployment again.");
      case "running":
        break;
      default:
        op.fail(ExitCode.SETUP_FAILED, `setup: unexpected status line from the guest: ${shown(status)}`);
    }
    if (nextOffset === void 0 || !OFFSET.test(nextOffset)) {
      op.fail(ExitCode.SETUP_FAILED, `setup: unexpected status line from the guest (no byte offset of the setup log): ${shown(status)}`);
    }
    offset = nextOffset;
    const waited = Math.floor((op.clock.now() - started) / 1e3);
    if (waited >= settings.setupSeconds) {
      op.fail(ExitCode.TIMEOUT, `setup: the setup did not finish within ${settings.setupMinutes} minutes (GoldenVm setupTimeoutMinutes). It goes on in the guest: run the deployment again to keep waiting for it (it is not started twice), or raise setupTimeoutMinutes.`);
    }
    op.log(`setup: running in the guest, ${waited}s of ${settings.setupSeconds}s`);
    await op.pause("setup", vm.tuning.pollSeconds, "waiting for the next lines of the setup log", vm.tuning.pollSeconds);
  }
}
async function finishSetup(op, vm, settings) {
  let restarts = 0;
  for (; ; ) {
    op.phase = "cleanup";
    op.log(`cleanup: removing the setup's task, files and custom data from the guest (keep files: ${settings.keepSetupFiles})`);
    const { output, result } = await runShortGuestScript(
      op,
      vm,
      "cleanup",
      settings.scripts.finish,
      FINISH_MARKER,
      { KeepSetupFiles: settings.keepSetupFiles }
    );
    printGuestOutput(op, output);
    if (result === "CLEAN") {
      op.log("cleanup: the guest is clean and needs no restart");
      return;
    }
    if (result !== "REBOOT-PENDING" && !result.startsWith("REBOOT-PENDING ")) {
      op.fail(ExitCode.SETUP_FAILED, `cleanup: the guest could not be cleaned: ${result.replace(/^FAILURE /, "")}`);
    }
    const reasons = result.slice("REBOOT-PENDING ".length);
    if (restarts >= MAX_RESTARTS) {
      op.fail(ExitCode.SETUP_FAILED, `cleanup: a reboot is still pending after ${restarts} restarts (${reasons}): something in the setup re-arms it at every boot. Sysprep refuses to run with a pending reboot; fix the step that causes it, then run the deployment again.`);
    }
    restarts += 1;
    await restart(op, vm, settings, restarts, reasons);
  }
}
async function restart(op, vm, settings, attempt, reasons) {
  op.phase = "restart";
  op.log(`restart: a reboot is pending in the guest (${reasons}): restarting the VM (${attempt} of ${MAX_RESTARTS}, limit ${settings.restartSeconds}s)`);
  await vm.az.mustSucceed("restart", settings.restartSeconds, ["vm", "restart", ...vm.args, "--output", "none"], {
    timedOut: `restart: the VM did not restart within ${settings.restartMinutes} minutes. Check it in the portal, then run the deployment again.`,
    what: "restart: az vm restart",
    hint: "Run the deployment again: the setup is not repeated."
  });
  op.log("restart: done; the next Run Command waits for the guest agent");
}

// lib/operator/verify.ts
var VERIFY_TIMEOUT_MINUTES_ENV = "GOLDEN_VERIFY_TIMEOUT_MINUTES";
var VERIFY_INTERVAL_SECONDS = { env: "VERIFY_INTERVAL_SECONDS", min: 1, max: 3600, default: 10 };
var VERIFY_REQUEST_SECONDS = { env: "VERIFY_REQUEST_SECONDS", min: 1, max: 600, default: 10 };
var MAX_PARALLEL_REQUESTS = 32;
var MAX_NAMES_SHOWN = 20;
async function fetchPage(op, url, requestSeconds) {
  const result = await op.http({ url, timeoutSeconds: requestSeconds, signal: op.interrupt });
  op.checkInterrupted();
  if (result.kind === "failed") {
    return { problem: result.error };
  }
  if (result.status >= 400) {
    return { problem: `HTTP ${result.status}${result.statusText ? ` ${result.statusText}` : ""}` };
  }
  return { page: result.body };
}
function showsName(page, name) {
  return page.toLowerCase().includes(name.toLowerCase());
}
function pageExcerpt(page) {
  return page.slice(0, 4e3).replace(/[\r\n\t]/g, " ").replace(/<[^>]*>/g, " ").replace(/[^\x20-\x7e]/g, " ").replace(/ {2,}/g, " ").replace(/^ /, "").slice(0, 120);
}
function nameList(names) {
  const shown2 = names.slice(0, MAX_NAMES_SHOWN).join(", ");
  return names.length > MAX_NAMES_SHOWN ? `${shown2} and ${names.length - MAX_NAMES_SHOWN} more` : shown2;
}
async function inParallel(count, limit, task, stopped = () => false) {
  const results = new Array(count).fill(void 0);
  let next = 0;
  const worker = async () => {
    while (next < count && !stopped()) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

// lib/operator/steps/verify-fleet.ts
var VERIFY_FLEET_NAME = "verify-fleet";
var VERIFY_FLEET_CONSTRUCT = "ImageFleet";
var VERIFY_FLEET_INTERRUPTED = "Not every VM was checked; the check changes nothing in Azure: run the deployment again to check the fleet.";
var FLEET_TARGETS_ENV = "FLEET_TARGETS";
var FLEET_VM_NAME = {
  env: FLEET_TARGETS_ENV,
  pattern: /^[A-Za-z0-9-]{1,15}$/,
  description: "a computer name of 1-15 letters, digits and hyphens"
};
var FLEET_VM_URL = { env: FLEET_TARGETS_ENV, pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/, description: "an http(s) URL" };
var FLEET_VERIFY_TIMEOUT_MINUTES = {
  env: VERIFY_TIMEOUT_MINUTES_ENV,
  prop: "verifyTimeoutMinutes",
  min: 1,
  max: 60,
  default: 15
};
function readFleetTargets(env) {
  const pairs = (env[FLEET_TARGETS_ENV] ?? "").split(/\s+/).filter((pair) => pair !== "");
  const origin = `It comes from the ${VERIFY_FLEET_CONSTRUCT} construct (its VMs' computer names and addresses).`;
  if (pairs.length === 0) {
    throw new InvalidInput(`${FLEET_TARGETS_ENV} is empty: expected space-separated name=url pairs such as 'web001=http://203.0.113.10/'. ${origin}`);
  }
  return pairs.map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const url = pair.slice(eq + 1);
    if (eq < 0 || !FLEET_VM_NAME.pattern.test(name)) {
      throw new InvalidInput(`${FLEET_TARGETS_ENV} entry ${shown(pair)} is not name=url with ${FLEET_VM_NAME.description}. ${origin}`);
    }
    if (!FLEET_VM_URL.pattern.test(url)) {
      throw new InvalidInput(`${FLEET_TARGETS_ENV} entry ${shown(pair)}: ${shown(url)} is not ${FLEET_VM_URL.description}. ${origin}`);
    }
    return { name, url };
  });
}
async function verifyFleet(op) {
  op.interruptNote = VERIFY_FLEET_INTERRUPTED;
  op.phase = "validate";
  const reader = new InputReader(op.env, VERIFY_FLEET_CONSTRUCT);
  const targets = readFleetTargets(op.env);
  const timeoutMinutes = reader.number(FLEET_VERIFY_TIMEOUT_MINUTES);
  const intervalSeconds = reader.number(VERIFY_INTERVAL_SECONDS);
  const requestSeconds = reader.number(VERIFY_REQUEST_SECONDS);
  const timeoutSeconds = timeoutMinutes * 60;
  op.phase = "check";
  op.log(`checking ${targets.length} VM(s) for up to ${timeoutSeconds}s: each page must contain the VM's computer name`);
  const deadline = op.clock.now() + timeoutSeconds * 1e3;
  let pending = targets;
  for (; ; ) {
    const problems = await inParallel(pending.length, MAX_PARALLEL_REQUESTS, (i) => problemOf(op, pending[i], requestSeconds));
    pending.forEach((target, i) => {
      if (problems[i] === void 0) {
        op.log(`${target.name}: OK (${target.url} answers with its computer name)`);
      }
    });
    const failing = pending.map((target, i) => ({ ...target, problem: problems[i] })).filter((t) => t.problem !== void 0);
    if (failing.length === 0) {
      op.log(`all ${targets.length} VM(s) answer with their own computer name`);
      return;
    }
    if (op.clock.now() >= deadline) {
      for (const target of failing) {
        op.print("  ", `${target.name} (${target.url}): ${target.problem}`, "stderr");
      }
      op.fail(ExitCode.NOT_ANSWERED, `timed out after ${op.elapsedSeconds()}s (${FLEET_VERIFY_TIMEOUT_MINUTES.env}=${timeoutMinutes}): ${failing.length} of ${targets.length} VM(s) did not answer with their computer name. Check the NSG, the app port and that the image serves the machine-name page.`);
    }
    for (const target of failing) {
      op.log(`${target.name}: waiting (${target.problem})`);
    }
    pending = failing;
    await op.clock.sleep(Math.min(intervalSeconds * 1e3, deadline - op.clock.now()), op.interrupt);
    op.checkInterrupted();
  }
}
async function problemOf(op, target, requestSeconds) {
  const fetched = await fetchPage(op, target.url, requestSeconds);
  if ("problem" in fetched) {
    return fetched.problem;
  }
  return showsName(fetched.page, target.name) ? void 0 : `the page does not contain '${target.name}'`;
}

// lib/operator/steps/verify-scale-set.ts
var VERIFY_SCALE_SET_NAME = "verify-scale-set";
var VERIFY_SCALE_SET_CONSTRUCT = "ImageScaleSet";
var VERIFY_SCALE_SET_INTERRUPTED = "The check changes nothing in Azure, but for a rolling upgrade it started (said so above), which Azure carries on; Terraform taints a resource whose provisioner failed, so the next deployment runs it again.";
var SCALE_SET_RESOURCE_GROUP = { ...RESOURCE_GROUP, env: "GOLDEN_SCALE_SET_RESOURCE_GROUP" };
var SCALE_SET_NAME = {
  env: "GOLDEN_SCALE_SET_NAME",
  pattern: /^[A-Za-z0-9][-A-Za-z0-9_.]{0,63}$/,
  description: "a scale set name (1-64 letters, digits, hyphens, underscores and periods, starting with a letter or digit)"
};
var SCALE_SET_URL = {
  env: "GOLDEN_SCALE_SET_URL",
  pattern: /^https?:\/\/[A-Za-z0-9]([-A-Za-z0-9.]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(\/[-A-Za-z0-9._~/%!$&()*+,;=:@?]*)?$/,
  description: "an http(s) URL with a host name or IPv4 address, without spaces, quotes, brackets or braces, such as http://203.0.113.10/"
};
var MAX_URL_LENGTH = 2048;
var SCALE_SET_INSTANCES = { env: "GOLDEN_SCALE_SET_INSTANCES", prop: "count", min: 1, max: 1e3, default: 1 };
var SCALE_SET_VERIFY_TIMEOUT_MINUTES = {
  env: VERIFY_TIMEOUT_MINUTES_ENV,
  prop: "verifyTimeoutMinutes",
  min: 5,
  max: 480,
  default: 60
};
var GALLERY_ID = new RegExp(`^/subscriptions/(?<subscription>${unanchored(SUBSCRIPTION_ID.pattern)})/resourceGroups/(?<group>${unanchored(RESOURCE_GROUP.pattern)})/providers/Microsoft\\.Compute/galleries/(?<gallery>${unanchored(GALLERY_NAME.pattern)})/images/(?<definition>${unanchored(GALLERY_IMAGE.pattern)})$`, "i");
var SCALE_SET_GALLERY_IMAGE = {
  env: "GOLDEN_SCALE_SET_GALLERY_IMAGE",
  pattern: GALLERY_ID,
  description: "the resource id of a gallery image definition (/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.Compute/galleries/<gallery>/images/<definition>)"
};
var AZ_MIN_SECONDS = 30;
var MIN_BATCH = 8;
var MAX_BATCH = 1e3;
var COMPUTER_NAME = /^[A-Za-z0-9][-A-Za-z0-9]{0,14}$/;
var NO_UPGRADE = /\(NotFound\)|Code: NotFound|The entity was not found/;
var NOT_FOUND_HINT5 = "It is created by the deployment before this check runs: check GOLDEN_SCALE_SET_NAME and GOLDEN_SCALE_SET_RESOURCE_GROUP (they come from the ImageScaleSet construct), then run the deployment again.";
var KNOWN_STATES = ["RollingForward", "Completed", "Faulted", "Cancelled"];
var INSTANCES_QUERY = "[].[instanceId, osProfile.computerName, provisioningState, latestModelApplied, storageProfile.imageReference.exactVersion, location]";
async function verifyScaleSet(op) {
  op.interruptNote = VERIFY_SCALE_SET_INTERRUPTED;
  const reader = new InputReader(op.env, VERIFY_SCALE_SET_CONSTRUCT);
  const inputs = readInputs(op, reader);
  const check = new ScaleSetCheck(op, inputs);
  op.log(`scale set ${inputs.name} in resource group ${inputs.resourceGroup}${inputs.subscriptionId ? `, subscription ${inputs.subscriptionId}` : ""}: ${inputs.expected} instance(s) expected behind ${inputs.url}; deadline ${inputs.timeoutMinutes * 60}s`);
  await check.az.start(reader);
  const names = await check.waitForScaleSet();
  await check.throughLoadBalancer(names);
  op.phase = "done";
  op.log(`verified in ${op.elapsedSeconds()}s: ${inputs.expected} instance(s) on the latest model, each answering through the load balancer`);
}
function readInputs(op, reader) {
  op.phase = "validate";
  const tuning = readTuning(reader);
  const subscriptionId = reader.optionalText(SUBSCRIPTION_ID, "ARM_SUBSCRIPTION_ID");
  const resourceGroup = reader.text(SCALE_SET_RESOURCE_GROUP);
  const name = reader.text(SCALE_SET_NAME);
  const rawUrl = op.env[SCALE_SET_URL.env] ?? "";
  if (rawUrl.length > MAX_URL_LENGTH) {
    throw new InvalidInput(`${SCALE_SET_URL.env} must be at most ${MAX_URL_LENGTH} characters; got ${rawUrl.length}.`);
  }
  const url = reader.text(SCALE_SET_URL);
  const port = /^https?:\/\/[^/:]+:([0-9]+)/.exec(url)?.[1];
  if (port !== void 0 && (Number(port) < 1 || Number(port) > 65535)) {
    throw new InvalidInput(`${SCALE_SET_URL.env} must have a port between 1 and 65535; got ${shown(url)}. It comes from the ${VERIFY_SCALE_SET_CONSTRUCT} construct's props (or a Terraform variable given to them).`);
  }
  const expected = reader.requiredNumber(SCALE_SET_INSTANCES);
  const timeoutMinutes = reader.number(SCALE_SET_VERIFY_TIMEOUT_MINUTES);
  const intervalSeconds = reader.number(VERIFY_INTERVAL_SECONDS);
  const requestSeconds = reader.number(VERIFY_REQUEST_SECONDS);
  const galleryId = reader.optionalText(SCALE_SET_GALLERY_IMAGE);
  const parts = galleryId === void 0 ? void 0 : GALLERY_ID.exec(galleryId).groups;
  const gallery = parts === void 0 ? void 0 : { subscriptionId: parts.subscription, resourceGroup: parts.group, gallery: parts.gallery, definition: parts.definition };
  return { subscriptionId, resourceGroup, name, url, expected, timeoutMinutes, intervalSeconds, requestSeconds, gallery, tuning };
}
var ScaleSetCheck = class {
  constructor(op, inputs) {
    this.op = op;
    this.inputs = inputs;
    this.az = new Az(op, inputs.tuning, {
      subject: `scale set ${inputs.name} in resource group ${inputs.resourceGroup}${inputs.subscriptionId ? ` (subscription ${inputs.subscriptionId})` : ""}`,
      what: "the scale set or its resource group",
      hint: NOT_FOUND_HINT5
    });
    this.args = [
      ...inputs.subscriptionId ? [`--subscription=${inputs.subscriptionId}`] : [],
      `--resource-group=${inputs.resourceGroup}`,
      `--name=${inputs.name}`
    ];
    this.deadline = op.clock.now() + inputs.timeoutMinutes * 60 * 1e3;
    this.timeoutNote = `${SCALE_SET_VERIFY_TIMEOUT_MINUTES.env}=${inputs.timeoutMinutes}`;
  }
  op;
  inputs;
  az;
  /** The az arguments that name the scale set, in the `--option=value` form (a resource group name may start with a hyphen). */
  args;
  deadline;
  timeoutNote;
  /**
   * Steps 1 and 2 together: the rolling upgrade is looked at again while the instances are waited for, since Azure may
   * register the upgrade of this deployment's model only after the first look. Returns the instances' computer names.
   */
  async waitForScaleSet() {
    const { op, inputs } = this;
    let lastUpgradeLine = "";
    let target;
    let targetRead = false;
    let rolloutStarted = false;
    let unknownVersionsSaid = false;
    for (; ; ) {
      op.phase = "rolling upgrade";
      const upgrade = await this.readRollingUpgrade();
      if (upgrade.code === "Faulted" || upgrade.code === "Cancelled") {
        this.failUpgrade(upgrade);
      }
      if (upgrade.code === "RollingForward") {
        lastUpgradeLine = "";
        op.log(`rolling upgrade: RollingForward: ${upgrade.progress}; waiting, ${op.elapsedSeconds()}s of ${inputs.timeoutMinutes * 60}s`);
        await this.nextLook(`the latest rolling upgrade is still RollingForward (${upgrade.progress}). Azure goes on with it: look at \`az vmss rolling-upgrade get-latest --resource-group ${inputs.resourceGroup} --name ${inputs.name}\`, then run the deployment again to check again, or give the check more time (verifyTimeoutMinutes of the ${VERIFY_SCALE_SET_CONSTRUCT} construct)`);
        continue;
      }
      if (!KNOWN_STATES.includes(upgrade.code) && upgrade.code !== "none") {
        op.fail(ExitCode.AZ_FAILED, `rolling upgrade: az vmss rolling-upgrade get-latest reports the state ${shown(upgrade.code)}, which this step does not know (${KNOWN_STATES.join(", ")}). Look at the scale set in the portal, then run the deployment again.`);
      }
      const upgradeLine = upgrade.code === "none" ? "no rolling upgrade has run on this scale set (a first deployment): nothing to wait for" : `the latest rolling upgrade Completed (${upgrade.progress})`;
      if (upgradeLine !== lastUpgradeLine) {
        op.log(`rolling upgrade: ${upgradeLine}`);
        lastUpgradeLine = upgradeLine;
      }
      op.phase = "instances";
      const instances = await this.readInstances();
      if (inputs.gallery !== void 0 && !targetRead && instances.length > 0) {
        targetRead = true;
        target = await this.rolloutTarget(inputs.gallery, instances[0].location);
      }
      const rollout = target?.inRegion ? target : void 0;
      const behind = rollout === void 0 ? [] : instances.filter((i) => i.version !== null && i.version !== rollout.version);
      const unknown = rollout === void 0 ? [] : instances.filter((i) => i.version === null);
      if (unknown.length > 0 && !unknownVersionsSaid) {
        unknownVersionsSaid = true;
        op.log(`rolling upgrade: az vmss list-instances shows no image version (storageProfile.imageReference.exactVersion) for ${unknown.length} instance(s) (${nameList(unknown.map(nameOf))}): whether they run ${rollout.version} cannot be told, so no rolling upgrade is started for them`);
      }
      const settled = this.settlingProblems(instances);
      if (rollout !== void 0 && behind.length > 0 && settled.length === 0 && !rolloutStarted) {
        rolloutStarted = true;
        await this.startRollingUpgrade(rollout, behind, instances.length);
        continue;
      }
      const problems = [...settled, ...behind.length > 0 ? [`${behind.length} not on version ${rollout.version}, the latest of ${galleryName(inputs.gallery)}: ${nameList(behind.map((i) => `${nameOf(i)} (on ${i.version})`))}`] : []];
      if (problems.length === 0) {
        this.requireComputerNames(instances);
        const names = instances.map((i) => i.computerName);
        op.log(`instances: all ${instances.length} provisioned and on the latest model${rollout === void 0 ? "" : ` and on version ${rollout.version}, the latest of ${galleryName(inputs.gallery)}`}: ${nameList(names)}`);
        return names;
      }
      const problem = problems.join("; ");
      op.log(`instances: ${problem}; waiting, ${op.elapsedSeconds()}s of ${inputs.timeoutMinutes * 60}s`);
      await this.nextLook(`the scale set is still not as expected: ${problem}. Azure may still be creating, deleting or upgrading instances: look at \`az vmss list-instances --resource-group ${inputs.resourceGroup} --name ${inputs.name}\` (a Failed instance needs a repair or a reimage), check that nothing else (autoscale, a manual change) sets the capacity, then run the deployment again`);
    }
  }
  /** Step 3: the URL through the load balancer, in batches, until every instance's computer name was seen in a page. */
  async throughLoadBalancer(names) {
    const { op, inputs } = this;
    const phase = "load balancer";
    op.phase = phase;
    const total = names.length;
    const batchSize = Math.min(MAX_BATCH, Math.max(MIN_BATCH, 2 * total));
    const parallel = Math.min(MAX_PARALLEL_REQUESTS, batchSize);
    const seen = /* @__PURE__ */ new Set();
    let batch = 0;
    let requests = 0;
    let pages = 0;
    let strangers = 0;
    let failures = 0;
    let firstStranger;
    let firstError;
    op.log(`${phase}: fetching ${inputs.url} until each of the ${total} instance(s) has answered with its computer name: batches of ${batchSize} request(s), ${parallel} at a time, each on a new connection`);
    for (; ; ) {
      batch += 1;
      const started = op.clock.now();
      const batchEnd = started + Math.max(this.deadline - started, inputs.requestSeconds * 1e3);
      const results = await inParallel(batchSize, parallel, () => fetchPage(op, inputs.url, inputs.requestSeconds), () => op.clock.now() >= batchEnd);
      const answered = results.filter((r) => r !== void 0);
      if (answered.length < batchSize) {
        op.log(`${phase}: batch stopped at the deadline, after ${Math.floor((op.clock.now() - started) / 1e3)}s`);
      }
      const seenBefore = seen.size;
      let batchPages = 0;
      let batchStrangers = 0;
      let batchFailures = 0;
      let batchStranger;
      let batchError;
      for (const result of answered) {
        if ("problem" in result) {
          batchFailures += 1;
          batchError ??= result.problem.slice(0, 200);
          continue;
        }
        batchPages += 1;
        const named = names.filter((name) => showsName(result.page, name));
        named.forEach((name) => seen.add(name));
        if (named.length === 0) {
          batchStrangers += 1;
          batchStranger ??= pageExcerpt(result.page);
        }
      }
      requests += answered.length;
      pages += batchPages;
      strangers += batchStrangers;
      failures += batchFailures;
      firstStranger ??= batchStranger;
      firstError ??= batchError;
      op.log(`${phase}: batch ${batch}: ${batchPages} page(s), ${batchFailures} failed request(s), ${batchStrangers} page(s) naming none of the instances; ${seen.size} of ${total} instance(s) seen`);
      if (batchError !== void 0) {
        op.log(`${phase}: first failure of batch ${batch}: ${batchError}`);
      }
      if (batchStranger !== void 0) {
        op.log(`${phase}: a page naming none of the instances (an error page, or a machine outside the scale set in the backend pool?): '${batchStranger}'`);
      }
      if (seen.size >= total) {
        break;
      }
      const missing = names.filter((name) => !seen.has(name));
      if (op.clock.now() >= this.deadline) {
        op.fail(ExitCode.NOT_ANSWERED, `${phase}: after ${op.elapsedSeconds()}s (${this.timeoutNote}), ${total - seen.size} of ${total} instance(s) never answered through the load balancer at ${inputs.url}: ${nameList(missing)}. Of ${requests} request(s), ${pages} gave a page, ${strangers} of them naming none of the instances${firstStranger === void 0 ? "" : ` (the first: '${firstStranger}')`}, and ${failures} failed${firstError === void 0 ? "" : ` (the first: ${firstError})`}. Check the NSG rule that lets the app port in, the load balancer rule, the health probe's path (an instance the probe finds down gets no connections), and that the app's page shows the computer name.`);
      }
      if (seen.size === seenBefore) {
        op.log(`${phase}: no new instance in batch ${batch}; not yet seen: ${nameList(missing)}`);
        await op.pause(
          phase,
          Math.min(inputs.intervalSeconds, (this.deadline - op.clock.now()) / 1e3),
          "waiting before the next batch",
          inputs.tuning.pollSeconds
        );
      }
    }
    op.log(`${phase}: all ${total} instance(s) answered through the load balancer with their computer name (${requests} request(s) in ${batch} batch(es))`);
    if (strangers > 0) {
      op.warn(`${phase}: ${strangers} of ${pages} page(s) named none of the scale set's instances (the first: '${firstStranger}'). The load balancer may also send connections to a machine outside the scale set (look at its backend pool), or an instance served another page.`);
    }
  }
  /** The latest rolling upgrade; code `none` when none has ever run on the scale set. */
  async readRollingUpgrade() {
    const what = "rolling upgrade: az vmss rolling-upgrade get-latest";
    const result = await this.azCall("rolling upgrade", ["vmss", "rolling-upgrade", "get-latest", ...this.args, "--output", "json"], what);
    if (result.exitCode !== 0) {
      if (NO_UPGRADE.test(result.stderr) && !/ResourceNotFound|ResourceGroupNotFound/.test(result.stderr) && azFault(result) === void 0) {
        return { code: "none", progress: "", error: "" };
      }
      return this.az.fail(ExitCode.AZ_FAILED, what, "Check that the identity may read the scale set, then run the deployment again.", result);
    }
    const status = this.az.parseJson(what, result, "null");
    const progress = status?.progress ?? {};
    const count = (n) => n ?? 0;
    const error = [status?.error?.code, status?.error?.message].filter((part) => part !== void 0 && part !== null && part !== "").join(": ");
    return {
      code: status?.runningStatus?.code ?? "unknown",
      progress: `${count(progress.successfulInstanceCount)} succeeded, ${count(progress.failedInstanceCount)} failed, ${count(progress.inProgressInstanceCount)} in progress, ${count(progress.pendingInstanceCount)} pending`,
      error
    };
  }
  failUpgrade(upgrade) {
    const { inputs } = this;
    const what = upgrade.code === "Faulted" ? "Faulted: Azure stopped it because the load balancer's health probe on the app's page found upgraded instances unhealthy" : "Cancelled (az vmss rolling-upgrade cancel, or the portal) before every instance was upgraded";
    return this.op.fail(ExitCode.ROLLING_UPGRADE_STOPPED, `rolling upgrade: the latest rolling upgrade of scale set ${inputs.name} is ${what} (progress: ${upgrade.progress})${upgrade.error ? `. Azure says: ${upgrade.error}` : ""}. The instances not yet upgraded keep the previous image. Look at \`az vmss rolling-upgrade get-latest --resource-group ${inputs.resourceGroup} --name ${inputs.name}\` and at the upgraded instances, then fix the image and deploy again, or roll back: deploy again with the previous source image id.`);
  }
  async readInstances() {
    const what = "instances: az vmss list-instances";
    const result = await this.azCall("instances", ["vmss", "list-instances", ...this.args, "--query", INSTANCES_QUERY, "--output", "json"], what);
    if (result.exitCode !== 0) {
      this.az.fail(ExitCode.AZ_FAILED, what, "Check that the identity may read the scale set, then run the deployment again.", result);
    }
    const rows = this.az.parseJson(what, result, "[]");
    return (Array.isArray(rows) ? rows : []).filter((row) => Array.isArray(row) && typeof row[0] === "string" && row[0] !== "").map((row) => ({
      id: row[0],
      computerName: typeof row[1] === "string" ? row[1] : null,
      provisioningState: typeof row[2] === "string" ? row[2] : String(row[2]),
      latestModelApplied: row[3] === true,
      version: typeof row[4] === "string" && row[4] !== "" ? row[4] : null,
      location: typeof row[5] === "string" ? row[5] : ""
    }));
  }
  /** What keeps the instances from being as expected, whatever their image version: their count, provisioning, model. */
  settlingProblems(instances) {
    const { expected } = this.inputs;
    const unprovisioned = instances.filter((i) => i.provisioningState !== "Succeeded");
    const outdated = instances.filter((i) => i.provisioningState === "Succeeded" && !i.latestModelApplied);
    return [
      ...instances.length !== expected ? [`${instances.length} instance(s), not ${expected} (${SCALE_SET_INSTANCES.env})`] : [],
      ...unprovisioned.length > 0 ? [`${unprovisioned.length} not provisioned (Succeeded): ${nameList(unprovisioned.map((i) => `${nameOf(i)} (${i.provisioningState})`))}`] : [],
      ...outdated.length > 0 ? [`${outdated.length} not on the latest model: ${nameList(outdated.map(nameOf))}`] : []
    ];
  }
  /** The computer names go into the page check: an empty or odd one would match pages it must not. */
  requireComputerNames(instances) {
    for (const instance of instances) {
      if (instance.computerName === null || !COMPUTER_NAME.test(instance.computerName)) {
        this.op.fail(ExitCode.AZ_FAILED, `instances: instance ${shown(instance.id)} has no Windows computer name in az vmss list-instances (osProfile.computerName is ${instance.computerName === null ? "null" : shown(instance.computerName)}). Look at the scale set's OS profile, then run the deployment again.`);
      }
    }
  }
  /**
   * The version the definition's latest resolves to: "the latest image is chosen based on the highest MajorVersion, then
   * MinorVersion, then Patch" (Microsoft Learn, "Store and share images in an Azure Compute Gallery", Image versions),
   * among the versions not excluded from latest (excluded ones are never rolled out: see the file's comment); only a
   * version whose provisioning Succeeded, so that the step never starts an upgrade to one still replicating or failed.
   * Undefined when there is none; `inRegion` tells whether it is replicated to the scale set's region.
   */
  async rolloutTarget(gallery, region) {
    const { op } = this;
    const line = galleryName(gallery);
    const what = "rolling upgrade: az sig image-version list";
    const result = await this.azCall("rolling upgrade", [
      "sig",
      "image-version",
      "list",
      `--subscription=${gallery.subscriptionId}`,
      `--resource-group=${gallery.resourceGroup}`,
      `--gallery-name=${gallery.gallery}`,
      `--gallery-image-definition=${gallery.definition}`,
      "--output",
      "json"
    ], what);
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === void 0) {
        op.print("  az| ", result.stderr, "stderr");
        op.fail(ExitCode.NOT_FOUND, `${what} failed: gallery image definition ${line} in resource group ${gallery.resourceGroup} (subscription ${gallery.subscriptionId}), whose latest the scale set follows (${SCALE_SET_GALLERY_IMAGE.env}), was not found. It comes from the ${VERIFY_SCALE_SET_CONSTRUCT} construct's image: check that the gallery and the definition exist, then run the deployment again.`);
      }
      this.az.fail(ExitCode.AZ_FAILED, what, "Check that the identity may read the gallery's image versions, then run the deployment again.", result);
    }
    const versions = this.az.parseJson(what, result, "[]");
    const latest = (Array.isArray(versions) ? versions : []).filter((v) => typeof v?.name === "string" && v.provisioningState === "Succeeded" && v.publishingProfile?.excludeFromLatest !== true).sort((a, b) => compareVersions(a.name, b.name)).pop();
    if (latest === void 0) {
      op.log(`rolling upgrade: no version of gallery image ${line} is latest (none has succeeded without being excluded from latest): nothing to roll out`);
      return void 0;
    }
    const inRegion = (latest.publishingProfile?.targetRegions ?? []).some((r) => typeof r?.name === "string" && canonicalRegion2(r.name) === canonicalRegion2(region));
    if (!inRegion) {
      op.log(`rolling upgrade: version ${latest.name}, the latest of ${line}, is not replicated to ${region}, the scale set's region: Azure rolls out no version before it is replicated there, so the instances stay as they are (add the region to the version's target regions to roll it out)`);
    }
    return { version: latest.name, inRegion };
  }
  /**
   * Starts the rolling upgrade Azure did not start. az (before 2.47 without --no-wait) may wait for the whole upgrade:
   * the call gets the time left, and the loop looks at the upgrade again either way.
   */
  async startRollingUpgrade(target, behind, count) {
    const { op, inputs } = this;
    op.phase = "rolling upgrade";
    op.log(`rolling upgrade: ${behind.length} of ${count} instance(s) do not run version ${target.version}, the latest of ${galleryName(inputs.gallery)} (${nameList(behind.map((i) => `${nameOf(i)} on ${i.version}`))}), and no rolling upgrade runs for it: starting one (az vmss rolling-upgrade start). Azure starts its automatic OS image upgrade when a version is published and replicated, not when a version published excluded from latest becomes latest later.`);
    const what = "rolling upgrade: az vmss rolling-upgrade start";
    const limit = this.limitFromDeadline();
    const result = await this.az.call("rolling upgrade", limit, ["vmss", "rolling-upgrade", "start", ...this.args, "--output", "none"]);
    if (result === TIMED_OUT) {
      return op.fail(ExitCode.TIMEOUT, `${what} did not return within ${limit}s (${this.timeoutNote}): the rolling upgrade it started goes on in Azure. Look at \`az vmss rolling-upgrade get-latest --resource-group ${inputs.resourceGroup} --name ${inputs.name}\`, then run the deployment again to check again (no second one is started while it runs).`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      const now = await this.readRollingUpgrade();
      if (now.code === "RollingForward") {
        op.log(`rolling upgrade: az vmss rolling-upgrade start failed (${firstErrorLine(result) || `exit status ${result.exitCode}`}), but a rolling upgrade runs now (Azure started its own): waiting for it`);
        return;
      }
      this.az.fail(ExitCode.AZ_FAILED, what, "The instances stay on their version. Check that the identity may start a rolling upgrade of the scale set (Microsoft.Compute/virtualMachineScaleSets/osRollingUpgrade/action), then run the deployment again.", result);
    }
    op.log(`rolling upgrade: started, to move the instances to version ${target.version}`);
  }
  /** An az call that must end by the deadline (with at least AZ_MIN_SECONDS): exit 4 when it does not. */
  async azCall(phase, args, what) {
    const result = await this.az.call(phase, this.limitFromDeadline(), args);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `${what} did not answer in time (${this.timeoutNote}). Run the deployment again.`);
    }
    return result;
  }
  /** The seconds left before the deadline, at least AZ_MIN_SECONDS: one slow answer must not fail the check. */
  limitFromDeadline() {
    return Math.max(AZ_MIN_SECONDS, Math.ceil((this.deadline - this.op.clock.now()) / 1e3));
  }
  /** Fails with exit code 4 and `message` once the deadline has passed; else waits for the next look. */
  async nextLook(message) {
    const { op } = this;
    const remaining = (this.deadline - op.clock.now()) / 1e3;
    if (remaining <= 0) {
      op.fail(ExitCode.TIMEOUT, `${op.phase}: after ${op.elapsedSeconds()}s (${this.timeoutNote}), ${message}.`);
    }
    await op.pause(op.phase, Math.min(this.inputs.intervalSeconds, remaining), "waiting for the next look", this.inputs.tuning.pollSeconds);
  }
};
function nameOf(instance) {
  return instance.computerName ?? `instance ${instance.id}`;
}
function galleryName(gallery) {
  return `${gallery.gallery}/${gallery.definition}`;
}
function canonicalRegion2(name) {
  return name.toLowerCase().replace(/\s+/g, "");
}
function unanchored(pattern) {
  return pattern.source.replace(/^\^/, "").replace(/\$$/, "");
}

// lib/operator/main.ts
var STEPS = {
  "generalize": { name: GENERALIZE_NAME, construct: GENERALIZE_CONSTRUCT, run: generalize },
  "setup": { name: SETUP_NAME, construct: SETUP_CONSTRUCT, run: setup },
  "capture": { name: IMAGES_NAME, construct: IMAGES_CONSTRUCT, run: capture },
  "delete-all": { name: IMAGES_NAME, construct: IMAGES_CONSTRUCT, run: deleteAll2 },
  "base-image": { name: BASE_IMAGE_NAME, construct: BASE_IMAGE_CONSTRUCT, run: checkBaseImage },
  "gallery-publish": { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: publish },
  "gallery-replicate": { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: replicate },
  "gallery-canary": { name: CANARY_NAME, construct: CANARY_CONSTRUCT, run: galleryCanary },
  "gallery-promote": { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: promote },
  "gallery-delete-all": { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: deleteAll },
  "verify-fleet": { name: VERIFY_FLEET_NAME, construct: VERIFY_FLEET_CONSTRUCT, run: verifyFleet },
  "verify-scale-set": { name: VERIFY_SCALE_SET_NAME, construct: VERIFY_SCALE_SET_CONSTRUCT, run: verifyScaleSet }
};
async function main(argv) {
  const step = STEPS[argv[0] ?? ""];
  if (step === void 0 || argv.length !== 1) {
    process.stderr.write(`azure-golden-image operator: usage: node operator.js <step>, one of: ${Object.keys(STEPS).join(", ")}; got ${JSON.stringify(argv)}
`);
    return 2;
  }
  const interrupt = new AbortController();
  for (const signal of ["SIGHUP", "SIGINT", "SIGTERM"]) {
    process.on(signal, () => interrupt.abort(signal));
  }
  const az = findAz(process.env);
  return runStep(step, {
    env: process.env,
    clock: systemClock,
    az: az === void 0 ? void 0 : processAzRunner(az),
    output: { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    interrupt: interrupt.signal,
    cwd: process.cwd()
  });
}

// lib/operator/program.ts
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
