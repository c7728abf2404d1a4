/**
 * Every bundled example: synthesizes, holds no secret in plain text and nothing machine-specific anywhere under
 * cdktf.out (provisioner commands and environments included), and gives the same bytes on a second synthesis.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUNDLED_EXAMPLES, SynthesizedApp, synthApp } from './util/examples';

// Secrets a deploying machine holds: none may reach the synthesized output.
const CANARIES: Record<string, string> = {
  ARM_CLIENT_SECRET: 'canary-client-secret-7f3a9d',
  ARM_CLIENT_CERTIFICATE_PASSWORD: 'canary-cert-password-1b2c',
  ARM_ACCESS_KEY: 'canary-access-key-9e8d',
  TF_VAR_admin_password: 'canary-admin-password-4d5e',
};
const SECRET_KEY = /(password|passwd|secret|token|private_key|access_key|sas_url|connection_string)/i;

/** Every `key: "literal"` pair in a JSON document whose key names a secret. */
function literalSecrets(node: unknown, trail: string[] = []): string[] {
  if (Array.isArray(node)) {
    return node.flatMap((v, i) => literalSecrets(v, [...trail, String(i)]));
  }
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) => {
      const here = [...trail, k];
      if (SECRET_KEY.test(k) && typeof v === 'string' && v.length > 0 && !v.startsWith('${')) {
        return [here.join('.')];
      }
      return literalSecrets(v, here);
    });
  }
  return [];
}

describe.each(BUNDLED_EXAMPLES)('examples/$name', ({ buildApp, stacks }) => {
  let result: SynthesizedApp;
  const saved: Record<string, string | undefined> = {};

  beforeAll(() => {
    for (const [k, v] of Object.entries(CANARIES)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    result = synthApp(buildApp);
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    fs.rmSync(result.outdir, { recursive: true, force: true });
  });

  test('synthesizes its stacks', () => {
    for (const stack of stacks) {
      expect(result.files.has(path.join('stacks', stack, 'cdk.tf.json'))).toBe(true);
    }
  });

  test('holds no secret in plain text, not even the deploying machine\'s', () => {
    for (const [file, text] of result.files) {
      for (const canary of Object.values(CANARIES)) {
        expect({ file, leaked: text.includes(canary) }).toEqual({ file, leaked: false });
      }
      if (file.endsWith('.json')) {
        expect({ file, secrets: literalSecrets(JSON.parse(text)) }).toEqual({ file, secrets: [] });
      }
    }
  });

  test('marks outputs carrying a secret as sensitive', () => {
    for (const stack of stacks) {
      const json = JSON.parse(result.files.get(path.join('stacks', stack, 'cdk.tf.json'))!);
      for (const [name, output] of Object.entries<any>(json.output ?? {})) {
        if (/random_password|admin_password|var\.[\w]*password/.test(JSON.stringify(output.value))) {
          expect({ name, sensitive: output.sensitive }).toEqual({ name, sensitive: true });
        }
      }
    }
  });

  test('writes nothing machine-specific: no absolute path, home, temp dir or timestamp', () => {
    for (const [file, text] of result.files) {
      // A path inside the temp directory, not the directory's name: the scripts name POSIX's default ('/tmp when unset').
      for (const needle of [process.cwd(), os.homedir(), path.join(os.tmpdir(), path.sep), result.outdir]) {
        expect({ file, found: text.includes(needle) }).toEqual({ file, found: false });
      }
      expect({ file, timestamp: /20\d\d-\d\d-\d\dT\d\d:\d\d/.test(text) }).toEqual({ file, timestamp: false });
    }
  });

  test('gives the same bytes when synthesized again', () => {
    const again = synthApp(buildApp);
    try {
      expect([...again.files.entries()]).toEqual([...result.files.entries()]);
    } finally {
      fs.rmSync(again.outdir, { recursive: true, force: true });
    }
  });
});
