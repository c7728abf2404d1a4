/**
 * The contract of a refused input, shared by the table-driven bad-input tests: the constructs are built into a fresh
 * stack of a real `App` (temporary outdir) and synthesized, as `cdktf synth` does; construction must throw one error
 * that starts with the construct's name, has a line naming the prop, showing the value and saying how to fix it
 * (`Fix:`), and no cdk.tf.json may be written.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { describeValue } from '../../lib/private/validation/props-validator';

export interface Synthesis {
  readonly error?: Error;
  /** Every cdk.tf.json under the outdir, relative to it. */
  readonly jsonFiles: string[];
  /** The stack's cdk.tf.json, when written. */
  readonly json?: string;
}

function filesUnder(directory: string): string[] {
  return fs.readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(directory, f)).isFile());
}

/**
 * Builds into a fresh stack `stack` of a real App (with an azurerm provider) and synthesizes, as `cdktf synth` does;
 * `context` is the App's, as cdktf.json's "context" gives it.
 */
export function synthesize(build: (stack: TerraformStack) => void, context?: Record<string, unknown>): Synthesis {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
  try {
    const app = new App({ outdir, stackTraces: false, context });
    const stack = new TerraformStack(app, 'stack');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    let error: Error | undefined;
    try {
      build(stack);
      app.synth();
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    const jsonFiles = filesUnder(outdir).filter((f) => path.basename(f) === 'cdk.tf.json');
    const stackJson = path.join(outdir, 'stacks', 'stack', 'cdk.tf.json');
    return { error, jsonFiles, json: fs.existsSync(stackJson) ? fs.readFileSync(stackJson, 'utf8') : undefined };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A value as the validation shows it in a message. */
export function shown(value: unknown): string {
  return describeValue(value);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The line of one problem: `  - <prop>[ (<where the default comes from>)]: <value> <problem>. Fix: <fix>`. */
export function problemLine(prop: string, value: unknown): RegExp {
  return new RegExp(`^  - ${escape(prop)}(?: \\([^)]*\\))?: ${escape(shown(value))} \\S.*\\. Fix: \\S.*$`, 'm');
}

/** A refused input: what to build, and the construct, prop and value the one problem must name. */
export interface Refusal {
  /** The construct's name, the start of the error, e.g. 'GoldenVm'. */
  readonly construct: string;
  readonly prop: string;
  /** The value the message must show (for a secret: what the message shows instead, e.g. '<redacted>'). */
  readonly value: unknown;
  readonly build: (stack: TerraformStack) => void;
  /** Text the problem line must contain besides prop, value and `Fix:` (e.g. the fix's key words). */
  readonly mentions?: Array<string | RegExp>;
  /** The App's context, as cdktf.json's "context" gives it. */
  readonly context?: Record<string, unknown>;
}

/** Asserts the contract of a refused input for one row; returns the error message for further checks. */
export function expectRefused(row: Refusal): string {
  const result = synthesize(row.build, row.context);
  expect(result.error).toBeDefined();
  const message = result.error!.message;
  expect(message.startsWith(row.construct)).toBe(true);
  expect(message).toMatch(/: \d+ invalid props?:\n/);
  expect(message).toMatch(problemLine(row.prop, row.value));
  for (const mention of row.mentions ?? []) {
    expect(message).toMatch(mention);
  }
  expect(result.jsonFiles).toEqual([]);
  return message;
}
