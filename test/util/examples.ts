/**
 * The bundled examples as the tests see them: each example's app builder and the stacks it must synthesize, and a
 * synthesis into a fresh temporary outdir exactly as `cdktf synth` does (real `App.synth()`, assets included).
 * Shared by test/examples.test.ts (what every example writes) and test/terraform-validate.integration.test.ts (what real
 * Terraform and the real providers accept).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { buildApp as existingImage } from '../../examples/existing-image/main';
import { buildApp as galleryTrustedLaunch } from '../../examples/gallery-trusted-launch/main';
import { buildApp as goldenImage } from '../../examples/golden-image/main';
import { buildApp as scaleSet } from '../../examples/scale-set/main';
import { buildApp as testingApp } from '../../examples/testing/app';

export interface BundledExample {
  /** The example's directory under examples/. */
  readonly name: string;
  /** Adds the example's stacks to the given App and returns it. */
  readonly buildApp: (app: App) => App;
  /** Every stack the example synthesizes (its directory under `stacks/`). */
  readonly stacks: string[];
}

/** Every example under examples/: a new example belongs here, so that every test of the examples covers it. */
export const BUNDLED_EXAMPLES: BundledExample[] = [
  { name: 'golden-image', buildApp: goldenImage, stacks: ['golden-image', 'golden-fleet'] },
  { name: 'existing-image', buildApp: existingImage, stacks: ['fleet-from-existing-image'] },
  { name: 'gallery-trusted-launch', buildApp: galleryTrustedLaunch, stacks: ['gallery-image', 'gallery-fleet'] },
  { name: 'scale-set', buildApp: scaleSet, stacks: ['golden-image', 'web-scale-set'] },
  {
    name: 'testing',
    // The testing example's builder returns its stacks (for its own tests), not the App.
    buildApp: (app) => {
      testingApp(app);
      return app;
    },
    stacks: ['testing-images', 'testing-web'],
  },
];

/** What `app.synth()` wrote: the outdir (the caller removes it) and every file under it, by relative path. */
export interface SynthesizedApp {
  readonly outdir: string;
  readonly files: Map<string, string>;
}

/** Synthesizes an app builder into a fresh temporary outdir, as `cdktf synth` does. */
export function synthApp(build: (app: App) => unknown): SynthesizedApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-examples-'));
  // The app built into is the one synthesized, whatever the builder returns (the app, or its stacks for tests).
  const app = new App({ outdir, stackTraces: false });
  build(app);
  app.synth();
  const files = new Map<string, string>();
  const walk = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(full);
    } else {
      files.set(path.relative(outdir, full), fs.readFileSync(full, 'utf8'));
    }
  });
  walk(outdir);
  return { outdir, files };
}
