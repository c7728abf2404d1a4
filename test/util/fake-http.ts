import { STATUS_CODES } from 'http';
import { LoadBalancerOptions, machinePage } from './web-server';
import { HttpClient, PageRequest, PageResult } from '../../lib/operator/http';

/**
 * Simulated HTTP for the verification steps in-process (lib/operator/http.ts's HttpClient): pages answered at once, so
 * that the steps run on the simulated clock. The real client meets a real server in one test of each step
 * (test/util/web-server.ts).
 */

/** A page answered with `status` (200 by default). */
export function answer(body: string, status = 200): PageResult {
  return { kind: 'answer', status, statusText: STATUS_CODES[status] ?? '', body };
}

/** What Node's http says when nothing listens at the address. */
export function refused(url: string): PageResult {
  const { hostname, port } = new URL(url);
  return { kind: 'failed', error: `connect ECONNREFUSED ${hostname}:${port || 80}` };
}

/** Pages by URL: each answers its n-th request (from 1) with `respond(n)`; a URL not listed refuses connections. */
export function fakePages(pages: Record<string, (request: number) => PageResult>):
{ client: HttpClient; requests: (url: string) => number; all: PageRequest[] } {
  const counts: Record<string, number> = {};
  const all: PageRequest[] = [];
  const client: HttpClient = (request) => {
    all.push(request);
    counts[request.url] = (counts[request.url] ?? 0) + 1;
    const respond = pages[request.url];
    return Promise.resolve(respond === undefined ? refused(request.url) : respond(counts[request.url]));
  };
  return { client, requests: (url) => counts[url] ?? 0, all };
}

/** A simulated load balancer: the requests it got and the pages each machine served. */
export interface FakeLoadBalancer {
  readonly client: HttpClient;
  readonly url: string;
  readonly requests: () => number;
  readonly served: Record<string, number>;
}

/**
 * Azure's load balancer in front of a scale set's instances, as test/util/web-server.ts's withLoadBalancer stands in
 * for it on loopback: each request comes on a new connection (the step's client opens one per request), and each new
 * connection goes to one machine (an instance, or a stranger), at random (the 5-tuple hash; a seeded generator, so
 * that every run is the same) or in turn. With no machine behind it, every connection is dropped.
 */
export function fakeLoadBalancer(options: LoadBalancerOptions, url = 'http://203.0.113.10/', seed = 1): FakeLoadBalancer {
  const leftOut = new Set((options.leaveOut ?? []).map((name) => name.toLowerCase()));
  const machines = [...options.instances.filter((name) => !leftOut.has(name.toLowerCase())), ...(options.strangers ?? [])];
  const page = options.page ?? machinePage;
  const random = seeded(seed);
  const served: Record<string, number> = {};
  let requests = 0;
  const client: HttpClient = (request) => {
    requests += 1;
    if (request.url !== url) {
      return Promise.resolve(refused(request.url));
    }
    if (machines.length === 0) {
      return Promise.resolve({ kind: 'failed', error: 'socket hang up' });
    }
    const machine = machines[options.pick === 'round-robin' ? (requests - 1) % machines.length : Math.floor(random() * machines.length)];
    served[machine] = (served[machine] ?? 0) + 1;
    return Promise.resolve(answer(page(machine)));
  };
  return { client, url, requests: () => requests, served };
}

/** A small seeded pseudo-random generator (Park and Miller's minimal standard): numbers in [0, 1). */
function seeded(seed: number): () => number {
  const modulus = 2147483647;
  let state = (seed % modulus) || 1;
  return () => {
    state = (state * 16807) % modulus;
    return (state - 1) / (modulus - 1);
  };
}
