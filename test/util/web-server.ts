import * as http from 'http';
import { AddressInfo, Socket } from 'net';

/** A local web server under test: its URL, and how many requests it has answered (or left unanswered). */
export interface TestServer {
  readonly url: string;
  readonly requests: number;
}

/**
 * Runs `body` against a web server on 127.0.0.1 only, the way a guest's page would answer; `respond` decides each
 * answer (the request's number, from 1), or never answers.
 */
export async function withServer<T>(respond: (res: http.ServerResponse, request: number) => void,
  body: (server: TestServer) => Promise<T>): Promise<T> {
  const state = { url: '', requests: 0 };
  const server = http.createServer((_req, res) => respond(res, ++state.requests));
  return serve(server, state, body);
}

/** Runs `body` while `server` listens on a free port of 127.0.0.1 (its URL in `state.url`), then closes it. */
async function serve<S extends { url: string }, T>(server: http.Server, state: S, body: (state: S) => Promise<T>): Promise<T> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    return await body(state);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** What a GET of a URL got: its status and body, or the error's message when no answer came (a dropped connection). */
export type FetchedPage = { readonly status: number; readonly body: string } | { readonly error: string };

/**
 * GET of `url` with Node's http module: its status and body (UTF-8), or the error's message. Each on a connection of
 * its own (`agent: false`; Node's global agent keeps connections alive): a load balancer picks the instance by the
 * connection, and a stopped server must not answer through one kept from before.
 */
export function getPage(url: string): Promise<FetchedPage> {
  return new Promise((resolve) => {
    http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    }).on('error', (error) => resolve({ error: error.message }));
  });
}

/** An answer of 200 with an HTML page. */
export function html(text: string): (res: http.ServerResponse) => void {
  return (res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(text);
  };
}

/** A stand-in for an Azure load balancer in front of a scale set's instances (see withLoadBalancer). */
export interface LoadBalancerOptions {
  /** The computer names of the instances behind it. */
  readonly instances: string[];
  /** How each new connection gets its instance: at random (as Azure's 5-tuple hash spreads them; the default) or in turn. */
  readonly pick?: 'random' | 'round-robin';
  /** Instances that never get a connection (the health probe finds them down, say). */
  readonly leaveOut?: string[];
  /** Machines outside the scale set that get connections too (an old VM left in the backend pool, say). */
  readonly strangers?: string[];
  /** The page a machine serves (default: a page with its name in upper case, as Windows shows it). */
  readonly page?: (name: string) => string;
}

/** The stand-in load balancer: its URL, the connections and requests it got, and the pages it served per machine. */
export interface LoadBalancerServer extends TestServer {
  readonly connections: number;
  readonly served: Record<string, number>;
}

/** A page like the golden image's: the machine's name as Windows writes it. */
export function machinePage(name: string): string {
  return `<html><body><h1>Golden image web server</h1><p>Served by ${name.toUpperCase()}</p></body></html>`;
}

/**
 * Runs `body` against a load balancer on 127.0.0.1 only: each new TCP connection goes to one machine (an instance, or a
 * stranger), and every request on that connection gets that machine's page, as behind Azure's load balancer.
 */
export async function withLoadBalancer<T>(options: LoadBalancerOptions, body: (server: LoadBalancerServer) => Promise<T>): Promise<T> {
  const leftOut = new Set((options.leaveOut ?? []).map((name) => name.toLowerCase()));
  const machines = [...options.instances.filter((name) => !leftOut.has(name.toLowerCase())), ...(options.strangers ?? [])];
  const page = options.page ?? machinePage;
  const state = { url: '', requests: 0, connections: 0, served: {} as Record<string, number> };
  const machineOf = new WeakMap<Socket, string>();
  const server = http.createServer((req, res) => {
    state.requests += 1;
    const machine = machineOf.get(req.socket)!;
    state.served[machine] = (state.served[machine] ?? 0) + 1;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page(machine));
  });
  server.on('connection', (socket: Socket) => {
    if (machines.length === 0) {
      // Nothing healthy behind it: Azure's load balancer drops the connection.
      socket.destroy();
      return;
    }
    const index = options.pick === 'round-robin' ? state.connections % machines.length : Math.floor(Math.random() * machines.length);
    state.connections += 1;
    machineOf.set(socket, machines[index]);
  });
  return serve(server, state, body);
}
