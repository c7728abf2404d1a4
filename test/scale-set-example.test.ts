/**
 * examples/scale-set, synthesized as `cdktf synth` does: the golden image stack's image behind a load balancer, in a
 * scale set that rolls new images through its instances without a new address.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { buildApp as goldenImage } from '../examples/golden-image/main';
import { buildApp, BuildAppOptions } from '../examples/scale-set/main';

function only(parsed: any, type: string, prefix = ''): { address: string; body: any } {
  const names = Object.keys(parsed.resource[type] ?? {}).filter((n) => n.startsWith(prefix));
  expect(names).toHaveLength(1);
  return { address: `${type}.${names[0]}`, body: parsed.resource[type][names[0]] };
}

function synth(options: BuildAppOptions = {}): { image: string; web: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-set-example-'));
  try {
    buildApp(new App({ outdir, stackTraces: false }), options).synth();
    const read = (stack: string) => fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
    return { image: read('golden-image'), web: read('web-scale-set') };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('examples/scale-set', () => {
  const json = synth();
  const image = JSON.parse(json.image);
  const web = JSON.parse(json.web);
  const vmss = only(web, 'azurerm_windows_virtual_machine_scale_set');

  test('the scale set runs the image stack\'s current image copy, read from its state', () => {
    const copy = Object.keys(image.output).find((name) => /ImageCopy_Capture.*image_id/.test(name));
    expect(copy).toBeDefined();
    expect(vmss.body.source_image_id).toBe(`\${data.terraform_remote_state.cross-stack-reference-input-golden-image.outputs.${copy}}`);
    expect(web.data.terraform_remote_state['cross-stack-reference-input-golden-image'].config).toEqual({ path: '../golden-image/terraform.tfstate' });
  });

  test('3 instances web000000..., in rg-golden-scale-set, Rolling upgrades gated by the probe on the app page', () => {
    const group = only(web, 'azurerm_resource_group');
    expect(group.body).toMatchObject({ name: 'rg-golden-scale-set', location: 'westeurope' });
    const probe = only(web, 'azurerm_lb_probe');
    expect(vmss.body).toMatchObject({
      name: 'vmss-web',
      computer_name_prefix: 'web',
      instances: 3,
      upgrade_mode: 'Rolling',
      health_probe_id: `\${${probe.address}.id}`,
      resource_group_name: `\${${group.address}.name}`,
    });
    expect(vmss.body.rolling_upgrade_policy).toMatchObject({ max_batch_instance_percent: 20, pause_time_between_batches: 'PT60S' });
    expect(probe.body).toMatchObject({ protocol: 'Http', port: 80, request_path: '/' });
  });

  test('one public IP, on the load balancer: the URL output, and the verification through it', () => {
    const pip = only(web, 'azurerm_public_ip');
    const url = `http://\${${pip.address}.ip_address}/`;
    expect(web.output.web_url.value).toBe(url);
    const verification = only(web, 'terraform_data', 'Web_Verification');
    const environment = verification.body.provisioner[0]['local-exec'].environment;
    expect(environment).toMatchObject({ GOLDEN_SCALE_SET_URL: url, GOLDEN_SCALE_SET_INSTANCES: '3' });
    expect(verification.body.triggers_replace.image).toBe(vmss.body.source_image_id);
  });

  test('SCALE_SET_COUNT grows the same configuration: 300 instances change `instances` only', () => {
    const large = synth({ count: 300 });
    expect(large.image).toBe(json.image);
    const strip = (text: string) => text.replace(/"instances": \d+/g, '').replace(/"GOLDEN_SCALE_SET_INSTANCES": "\d+"/, '');
    expect(strip(large.web)).toBe(strip(json.web));
    expect(() => synth({ count: 601 })).toThrow(/count: 601 is not a whole number between 1 and 600, the most instances one scale set holds from a managed image/);
  });

  test('the image stack is the golden-image example\'s, unchanged', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-example-'));
    try {
      goldenImage(new App({ outdir, stackTraces: false })).synth();
      expect(fs.readFileSync(path.join(outdir, 'stacks', 'golden-image', 'cdk.tf.json'), 'utf8')).toBe(json.image);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('matches the snapshot (drift fails in CI; update on purpose with `npx projen test:update`)', () => {
    expect(json.web).toMatchSnapshot('web-scale-set stack');
  });
});
