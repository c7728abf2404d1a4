/**
 * IIS in the local Azure's Windows guests, stood in: the web server that answers on a VM's port 80 serves what the
 * guest's setup actually wrote under its stand-in C: drive (run-command.ts), rendered with that VM's own computer name.
 * Two ways in:
 * - from inside the guest (`http://localhost/`, the smoke test of WindowsSetup): each guest gets a server on a free port
 *   of 127.0.0.1 (`GuestWeb.loopback`), and test/local-azure/guest.ps1 sends the guest's requests to its own port 80
 *   there;
 * - from outside (the fleet's URL check, a user's browser): with a pool of public IPs this machine can listen on (under
 *   127.0.0.0/8), a server on each allocated address's port 80 (`GuestWeb.listenOnPublicIp`), answering for the
 *   running VM whose NIC holds that public IP.
 * Like IIS: nothing answers before IIS is installed (Install-WindowsFeature Web-Server makes C:\inetpub\wwwroot,
 * test/powershell/stand-ins.ps1), or on a VM that is not running, or on a public IP no VM holds (the connection is
 * dropped, as Azure drops traffic to an address with nothing behind it); `/` is the first default document that exists;
 * a missing file is 404. Not held: NSG rules (the fleet's NSG opens the app port; nothing here checks it).
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { Json } from './http';
import { same } from './ids';
import type { Backend } from './load-balancers';
import { ResourceStore, StoredResource } from './store';
import { powerOf } from './vm-power';

/**
 * IIS's default documents, in IIS's order: "Default.htm, Default.asp, index.htm, index.html, iisstart.htm,
 * default.aspx" (Microsoft Learn, "Default Document <defaultDocument>", IIS configuration reference,
 * https://learn.microsoft.com/iis/configuration/system.webserver/defaultdocument/).
 */
export const IIS_DEFAULT_DOCUMENTS = ['Default.htm', 'Default.asp', 'index.htm', 'index.html', 'iisstart.htm', 'default.aspx'];

/** The code blocks this stand-in for ASP.NET renders, each as its value for a machine name. */
const ASP_NET_EXPRESSIONS: { [expression: string]: (machineName: string) => string } = {
  'Server.HtmlEncode(Environment.MachineName)': htmlEncode,
  'Environment.MachineName': (machineName) => machineName,
};

/** One answer of a guest's IIS; undefined: nothing listens (IIS not installed), the connection is dropped. */
export interface IisAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * What Windows calls a VM's computer name: `Environment.MachineName` "Gets the NetBIOS name of this local computer"
 * (Microsoft Learn, Environment.MachineName), and Windows keeps the NetBIOS name in upper case (the same name as
 * %COMPUTERNAME%); Azure sets it from `osProfile.computerName` at provisioning.
 */
export function machineNameOf(vm: StoredResource): string {
  return String(vm.body.properties?.osProfile?.computerName ?? vm.body.name).toUpperCase();
}

/** What IIS under `systemDrive` answers for `urlPath` on a machine named `machineName`. */
export function iisAnswer(systemDrive: string, machineName: string, urlPath: string): IisAnswer | undefined {
  const root = path.join(systemDrive, 'inetpub', 'wwwroot');
  if (!fs.existsSync(root)) {
    return undefined;
  }
  const relative = decodeURIComponent(urlPath.split('?')[0]).replace(/^\/+/, '');
  const file = relative === ''
    ? IIS_DEFAULT_DOCUMENTS.map((name) => findFile(root, name)).find((found) => found !== undefined)
    : relative.split('/').includes('..') ? undefined : findFile(root, relative);
  if (file === undefined) {
    return { status: 404, contentType: 'text/html; charset=utf-8', body: '<h1>404 - File or directory not found.</h1>' };
  }
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  if (/\.aspx$/i.test(file)) {
    return renderAspNet(text, machineName);
  }
  return { status: 200, contentType: /\.html?$/i.test(file) ? 'text/html; charset=utf-8' : 'application/octet-stream', body: text };
}

/**
 * An .aspx page rendered as ASP.NET would for the expressions this stand-in knows (`<%= %>` of the machine name); the
 * page directive `<%@ ... %>` writes nothing. Any other code block is a 500 naming it: never a guessed rendering.
 */
export function renderAspNet(page: string, machineName: string): IisAnswer {
  const unknown: string[] = [];
  const body = page
    .replace(/^<%@[^%]*%>\r?\n?/, '')
    .replace(/<%(=?)([\s\S]*?)%>/g, (block, equals: string, code: string) => {
      const render = equals === '=' ? ASP_NET_EXPRESSIONS[code.trim()] : undefined;
      if (render === undefined) {
        unknown.push(block);
        return block;
      }
      return render(machineName);
    });
  if (unknown.length > 0) {
    return {
      status: 500,
      contentType: 'text/plain; charset=utf-8',
      body: `The local Azure's stand-in for ASP.NET renders only <%= ${Object.keys(ASP_NET_EXPRESSIONS).join(' %>, <%= ')} %>; the page has ${unknown.join(', ')}`,
    };
  }
  return { status: 200, contentType: 'text/html; charset=utf-8', body };
}

/** A machine whose IIS answers: its C: drive, and its name as Windows gives it. */
interface Machine {
  readonly drive: string | undefined;
  readonly machineName: string;
}

/** The guests' web servers: one on 127.0.0.1 per guest, one per public IP; all closed by `dispose`. */
export class GuestWeb {
  /** The computer names of the machines load balancer frontends sent connections to, in order. */
  public readonly answeredBy: string[] = [];
  private readonly servers: http.Server[] = [];
  private readonly loopbacks = new Map<string, Promise<string>>();
  private readonly listening = new Set<string>();

  constructor(
    private readonly store: ResourceStore,
    /** The directory of a VM's C: drive, if its guest exists. */
    private readonly systemDriveOf: (vmId: string) => string | undefined,
    /** Told when a server cannot listen (e.g. port 80 without the right to it): a gap of this machine, not Azure's answer. */
    private readonly onProblem: (address: string, reason: string) => void,
    /**
     * The healthy machines behind a load balancer frontend holding the public IP `address` (load-balancers.ts), for its
     * port 80; none when no load balancer holds it.
     */
    private readonly frontendBackends: (address: string) => readonly Backend[] = () => [],
  ) {}

  /** The origin (`http://127.0.0.1:<port>`) where the VM's guest finds its own port 80. */
  public loopback(vmId: string): Promise<string> {
    const key = vmId.toLowerCase();
    let origin = this.loopbacks.get(key);
    if (origin === undefined) {
      const server = this.serve(() => this.runningVm(this.store.get(vmId)));
      origin = new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      });
      this.loopbacks.set(key, origin);
    }
    return origin;
  }

  /**
   * Serves port 80 of a public IP address (once per address), for the running VM whose NIC holds it, or for a load
   * balancer frontend holding it: one of the healthy machines behind it, by a hash of the connection (Microsoft Learn,
   * "Azure Load Balancer distribution modes": a five-tuple hash by default).
   */
  public listenOnPublicIp(address: string): void {
    if (this.listening.has(address)) {
      return;
    }
    this.listening.add(address);
    const server = this.serve((req) => this.runningVm(this.vmBehind(address)) ?? this.behindFrontend(address, req));
    server.once('error', (error) => this.onProblem(address, `cannot serve http://${address}/ for the VM behind it: ${error.message}`));
    server.listen(80, address);
  }

  public async dispose(): Promise<void> {
    await Promise.all(this.servers.map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }));
  }

  /** A server answering as IIS in the machine `machineOf` finds at request time; it drops the connection when nothing listens. */
  private serve(machineOf: (req: http.IncomingMessage) => Machine | undefined): http.Server {
    const server = http.createServer((req, res) => {
      const machine = machineOf(req);
      const answer = machine?.drive === undefined ? undefined : iisAnswer(machine.drive, machine.machineName, req.url ?? '/');
      if (answer === undefined) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Server': 'Microsoft-IIS/10.0' }).end(answer.body);
    });
    this.servers.push(server);
    return server;
  }

  /** A running VM as the machine that answers: its drive and name. */
  private runningVm(vm: StoredResource | undefined): Machine | undefined {
    return vm === undefined || powerOf(vm) !== 'running' ? undefined : { drive: this.systemDriveOf(vm.id), machineName: machineNameOf(vm) };
  }

  /** The machine behind a load balancer frontend that this connection goes to. */
  private behindFrontend(address: string, req: http.IncomingMessage): Machine | undefined {
    const backends = this.frontendBackends(address);
    if (backends.length === 0) {
      return undefined;
    }
    const tuple = [req.socket.remoteAddress, req.socket.remotePort, address, 80].join('|');
    const hash = tuple.split('').reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 2 ** 32, 7);
    const backend = backends[hash % backends.length];
    this.answeredBy.push(backend.computerName);
    return { drive: backend.systemDrive, machineName: backend.computerName.toUpperCase() };
  }

  /** The VM whose NIC holds the public IP with `address`, if any. */
  private vmBehind(address: string): StoredResource | undefined {
    const all = this.store.all();
    const publicIp = all.find((r) => r.type === 'Microsoft.Network/publicIPAddresses' && r.body.properties?.ipAddress === address);
    if (publicIp === undefined) {
      return undefined;
    }
    const nic = all.find((r) => r.type === 'Microsoft.Network/networkInterfaces'
      && (r.body.properties?.ipConfigurations ?? []).some((c: Json) => same(c.properties?.publicIPAddress?.id ?? '', publicIp.id)));
    return nic === undefined ? undefined : all.find((r) => r.type === 'Microsoft.Compute/virtualMachines'
      && (r.body.properties?.networkProfile?.networkInterfaces ?? []).some((n: Json) => same(n.id ?? '', nic.id)));
  }
}

/** A path under `root` matched without regard to case, as NTFS matches it. */
function findFile(root: string, relative: string): string | undefined {
  let current = root;
  for (const part of relative.split('/').filter((p) => p !== '')) {
    const entries = fs.existsSync(current) && fs.statSync(current).isDirectory() ? fs.readdirSync(current) : [];
    const match = entries.find((entry) => entry.toLowerCase() === part.toLowerCase());
    if (match === undefined) {
      return undefined;
    }
    current = path.join(current, match);
  }
  return fs.statSync(current).isFile() ? current : undefined;
}

function htmlEncode(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
