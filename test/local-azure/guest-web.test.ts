/**
 * The local Azure's stand-in for IIS in its Windows guests (guest-web.ts): what it renders of the pages a guest's setup
 * wrote, and who answers on a public IP's port 80 (a running VM whose NIC holds it, nobody else).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { groupBody, nicBody, pathsIn, publicIpBody, subnetBody, vmBody, vnetBody } from './bodies';
import { iisAnswer, renderAspNet } from './guest-web';
import { API, InProcessAzure } from './in-process';
import { getPage } from '../util/web-server';

const body = InProcessAzure.body;
/** The page lib/scripts/guest/deploy-machine-name-page.ps1 writes, as it writes it (a BOM, the page directive). */
const MACHINE_NAME_PAGE = '\uFEFF<%@ Page Language="C#" %>\n<html><head><title>Web</title></head>\n'
  + '<body><p>Served by <strong id="computer-name"><%= Server.HtmlEncode(Environment.MachineName) %></strong></p></body></html>\n';

describe('ASP.NET, stood in', () => {
  test('the machine name, HTML-encoded; the page directive writes nothing', () => {
    expect(renderAspNet(MACHINE_NAME_PAGE.slice(1), 'WEB<1>')).toEqual({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<html><head><title>Web</title></head>\n<body><p>Served by <strong id="computer-name">WEB&lt;1&gt;</strong></p></body></html>\n',
    });
  });

  test('any other code block is a 500 naming it, never a guessed rendering', () => {
    const answer = renderAspNet('<p><%= DateTime.Now %></p>', 'WEB0001');
    expect(answer.status).toBe(500);
    expect(answer.body).toContain('<%= DateTime.Now %>');
  });
});

describe('IIS, stood in, on a guest\'s C: drive', () => {
  let drive: string;
  beforeEach(() => {
    drive = fs.mkdtempSync(path.join(os.tmpdir(), 'guest-web-'));
  });
  afterEach(() => fs.rmSync(drive, { recursive: true, force: true }));
  const root = () => path.join(drive, 'inetpub', 'wwwroot');

  test('before IIS is installed nothing answers', () => {
    expect(iisAnswer(drive, 'WEB0001', '/')).toBeUndefined();
  });

  test('`/` is the first default document in IIS\'s order: iisstart.htm before default.aspx, then default.aspx once it is removed', () => {
    fs.mkdirSync(root(), { recursive: true });
    fs.writeFileSync(path.join(root(), 'iisstart.htm'), '<h1>IIS</h1>');
    fs.writeFileSync(path.join(root(), 'Default.aspx'), MACHINE_NAME_PAGE);
    expect(iisAnswer(drive, 'WEB0001', '/')?.body).toBe('<h1>IIS</h1>');
    fs.rmSync(path.join(root(), 'iisstart.htm'));
    expect(iisAnswer(drive, 'WEB0001', '/')?.body).toContain('<strong id="computer-name">WEB0001</strong>');
  });

  test('a file by any case of its name (NTFS); a missing one is 404; nothing outside the site root', () => {
    fs.mkdirSync(root(), { recursive: true });
    fs.writeFileSync(path.join(root(), 'Default.aspx'), MACHINE_NAME_PAGE);
    fs.writeFileSync(path.join(drive, 'secret.txt'), 'secret');
    expect(iisAnswer(drive, 'WEB0002', '/default.ASPX?x=1')).toMatchObject({ status: 200, body: expect.stringContaining('WEB0002') });
    expect(iisAnswer(drive, 'WEB0002', '/missing.htm')?.status).toBe(404);
    expect(iisAnswer(drive, 'WEB0002', '/../../secret.txt')?.status).toBe(404);
  });
});

describe('a public IP\'s port 80 on this machine (servePublicIps, a pool under 127.0.0.0/8)', () => {
  const get = (address: string) => getPage(`http://${address}/`);

  test('answers with the page of the running VM behind it, in its own name; nothing once it is deallocated or without a VM', async () => {
    const octet = () => 1 + Math.floor(Math.random() * 254);
    const client = new InProcessAzure({ publicIpPrefix: `127.${octet()}.${octet()}.0/24`, servePublicIps: true });
    try {
      const paths = pathsIn(client, 'rg-web');
      client.put(paths.group, groupBody(), API.resources);
      client.put(paths.vnet('vnet-web'), vnetBody());
      const subnet = body(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody()));
      const publicIp = body(client.put(paths.publicIp('pip-web0001'), publicIpBody()));
      const address: string = body(client.get(paths.publicIp('pip-web0001'))).properties.ipAddress;
      // GIVEN a public IP that no NIC holds yet: the connection is dropped
      expect(await get(address)).toEqual({ error: expect.any(String) });

      const nic = body(client.put(paths.nic('nic-web0001'), nicBody(subnet.id, publicIp.id)));
      // An Azure name other than the computer name (a fleet's VMs carry the image revision): the page shows the computer name.
      const vm = body(client.put(paths.vm('web0001-1a2b3c'), vmBody(nic.id), API.compute));
      // A VM without IIS: nothing answers either
      expect(await get(address)).toEqual({ error: expect.any(String) });
      const root = path.join(client.azure.systemDrive(vm.id), 'inetpub', 'wwwroot');
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, 'Default.aspx'), MACHINE_NAME_PAGE);
      // THEN the page, rendered with the VM's computer name as Windows writes it
      expect(await get(address)).toEqual({ status: 200, body: expect.stringContaining('<strong id="computer-name">WEB0001</strong>') });

      client.request('POST', `${paths.vm('web0001-1a2b3c')}/deallocate?api-version=${API.compute}`);
      expect(await get(address)).toEqual({ error: expect.any(String) });
      expect(client.azure.unhandled).toEqual([]);
    } finally {
      await client.azure.dispose();
    }
  });
});
