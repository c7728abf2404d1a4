/** The types of simulator.js (the simulated Azure CLI): see its comment. */

export interface SimulatedAzCall {
  /** az's arguments, without `az`. */
  readonly argv: readonly string[];
  /** The call's variables: AZURE_CONFIG_DIR is where `az login` keeps its session. None by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What `@-` reads: the text, or a function that reads it (called at the first `@-` only). '' by default. */
  readonly stdin?: string | (() => string);
  /** The simulated world (test/util/fake-az.ts's FakeAzState), changed in place. */
  readonly state: object;
  /** The directory `@path` arguments are relative to; process.cwd() by default. */
  readonly cwd?: string;
}

/** How a call of az ended: exited (`code`, killed by a signal: 128 + its number), or never returns (`hang`). */
export type SimulatedAzResult = {
  /** The command words, e.g. `vm deallocate`. */
  readonly command: string;
  /** A copy of the call's argv (what the call log records). */
  readonly argv: string[];
  readonly stdout: string;
  readonly stderr: string;
} & ({
  readonly code: number;
  /** The signal that killed az (a `killed` fault); `code` is 128 + its number. */
  readonly signal?: NodeJS.Signals;
  readonly hang?: undefined;
} | {
  /** The call never returns (`hang` in the state): only the caller can end it. Nothing printed. */
  readonly hang: true;
  readonly code: null;
});

/** A parsed call, to answer with run(). */
export interface PreparedAzCall {
  readonly command: string;
  readonly argv: string[];
  /** Set when az's parser refused the call (exit 2): run() returns it. */
  readonly parserError?: { readonly code: 2; readonly stdout: ''; readonly stderr: string };
  /** Answers the call, changing the state. */
  run(): SimulatedAzResult;
}

/** Answers one call of az, changing `call.state` in place (no state file, no call log). */
export function simulateAz(call: SimulatedAzCall): SimulatedAzResult;

/** Parses one call (reading `@path` files and stdin); its run() answers it. */
export function prepareAz(call: SimulatedAzCall): PreparedAzCall;

/** The command words of an argv, e.g. `vm deallocate`. */
export function commandOf(argv: readonly string[]): string;
