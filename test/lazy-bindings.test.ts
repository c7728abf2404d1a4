/**
 * The provider bindings few apps need load on first use, not when the library is imported: the Compute Gallery's
 * four and the scale set's six (1.3 MB of JavaScript for the scale set and its load balancer). Checked in a fresh node
 * process, by what is in its module cache.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..');
const LAZY = /provider-azurerm\/lib\/(shared-image-gallery|shared-image|shared-image-version|managed-disk|lb|lb-backend-address-pool|lb-outbound-rule|lb-probe|lb-rule|windows-virtual-machine-scale-set)\/index\.js$/;

/** The lazily loaded bindings in the module cache after `code` ran in a fresh node process with the library. */
function lazyBindingsLoadedBy(code: string): string[] {
  const script = `
    const lib = require('./lib');
    ${code}
    const loaded = Object.keys(require.cache).filter((f) => ${LAZY}.test(f.split(require('path').sep).join('/')));
    console.log(JSON.stringify(loaded.map((f) => f.replace(/.*provider-azurerm\\/lib\\//, '').replace(/\\/index\\.js$/, '')).sort()));
  `;
  const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: REPO, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop()!);
}

describe('bindings loaded on first use', () => {
  test('importing the library loads neither the gallery nor the scale set bindings', () => {
    expect(lazyBindingsLoadedBy('')).toEqual([]);
  });

  test('an ImageScaleSet loads the scale set and load balancer bindings, and only those', () => {
    const loaded = lazyBindingsLoadedBy(`
      const { App, TerraformStack } = require('cdktf');
      const stack = new TerraformStack(new App(), 'web');
      const image = lib.ManagedImage.fromImageId(stack, 'Image', {
        imageId: '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-web',
        location: 'westeurope', hyperVGeneration: lib.HyperVGeneration.V2,
      });
      new lib.ImageScaleSet(stack, 'Web', { image, count: 3, namePrefix: 'web', resourceGroupName: 'rg-web' });
    `);
    expect(loaded).toEqual(['lb', 'lb-backend-address-pool', 'lb-outbound-rule', 'lb-probe', 'lb-rule', 'windows-virtual-machine-scale-set']);
  });
});
