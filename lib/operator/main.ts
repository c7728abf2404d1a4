/**
 * The operator stage's program: `node <stack assets>/operator/operator.js <step>`, run by the constructs' local-exec
 * provisioners (an argument array through `interpreter`: no shell, the same on Linux, macOS and Windows). Every input
 * comes from the environment. It needs Node.js and the Azure CLI, nothing else (verify-fleet: Node.js alone).
 */
import { findAz, processAzRunner } from './az-process';
import { systemClock } from './clock';
import { GALLERY_CONSTRUCT, GALLERY_STEPS_NAME } from './gallery-line';
import { runStep, StepDefinition } from './run';
import { BASE_IMAGE_CONSTRUCT, BASE_IMAGE_NAME, checkBaseImage } from './steps/base-image';
import { CANARY_CONSTRUCT, CANARY_NAME, galleryCanary } from './steps/canary';
import { deleteAll as deleteGalleryVersions, promote, publish, replicate } from './steps/gallery-versions';
import { generalize, GENERALIZE_CONSTRUCT, GENERALIZE_NAME } from './steps/generalize';
import { capture, deleteAll, IMAGES_CONSTRUCT, IMAGES_NAME } from './steps/images';
import { setup, SETUP_CONSTRUCT, SETUP_NAME } from './steps/setup';
import { verifyFleet, VERIFY_FLEET_CONSTRUCT, VERIFY_FLEET_NAME } from './steps/verify-fleet';
import { verifyScaleSet, VERIFY_SCALE_SET_CONSTRUCT, VERIFY_SCALE_SET_NAME } from './steps/verify-scale-set';

/** The steps by the name the provisioners give. */
export const STEPS: Record<string, StepDefinition> = {
  'generalize': { name: GENERALIZE_NAME, construct: GENERALIZE_CONSTRUCT, run: generalize },
  'setup': { name: SETUP_NAME, construct: SETUP_CONSTRUCT, run: setup },
  'capture': { name: IMAGES_NAME, construct: IMAGES_CONSTRUCT, run: capture },
  'delete-all': { name: IMAGES_NAME, construct: IMAGES_CONSTRUCT, run: deleteAll },
  'base-image': { name: BASE_IMAGE_NAME, construct: BASE_IMAGE_CONSTRUCT, run: checkBaseImage },
  'gallery-publish': { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: publish },
  'gallery-replicate': { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: replicate },
  'gallery-canary': { name: CANARY_NAME, construct: CANARY_CONSTRUCT, run: galleryCanary },
  'gallery-promote': { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: promote },
  'gallery-delete-all': { name: GALLERY_STEPS_NAME, construct: GALLERY_CONSTRUCT, run: deleteGalleryVersions },
  'verify-fleet': { name: VERIFY_FLEET_NAME, construct: VERIFY_FLEET_CONSTRUCT, run: verifyFleet },
  'verify-scale-set': { name: VERIFY_SCALE_SET_NAME, construct: VERIFY_SCALE_SET_CONSTRUCT, run: verifyScaleSet },
};

export async function main(argv: readonly string[]): Promise<number> {
  const step = STEPS[argv[0] ?? ''];
  if (step === undefined || argv.length !== 1) {
    process.stderr.write(`azure-golden-image operator: usage: node operator.js <step>, one of: ${Object.keys(STEPS).join(', ')}; got ${JSON.stringify(argv)}\n`);
    return 2;
  }
  const interrupt = new AbortController();
  for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => interrupt.abort(signal));
  }
  const az = findAz(process.env);
  return runStep(step, {
    env: process.env,
    clock: systemClock,
    az: az === undefined ? undefined : processAzRunner(az),
    output: { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    interrupt: interrupt.signal,
    cwd: process.cwd(),
  });
}
