import * as http from 'http';
import { AddressInfo } from 'net';

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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    return await body(state);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** An answer of 200 with an HTML page. */
export function html(text: string): (res: http.ServerResponse) => void {
  return (res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(text);
  };
}
