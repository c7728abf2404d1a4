/**
 * The local Azure served over HTTPS on 127.0.0.1, on a port the system picks, with a certificate made at start. The
 * tests start it and stop it (`withLocalAzure` stops it however the body ends); nothing stays running or on disk.
 */
import * as fs from 'fs';
import * as https from 'https';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { makeCertificate } from './certificate';
import { AzureError } from './errors';
import { AzureRequest, AzureResponse, Json, normalizePath } from './http';
import { LocalAzure, LocalAzureOptions } from './local-azure';

export interface RunningLocalAzure {
  readonly azure: LocalAzure;
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** `127.0.0.1:<port>`: azurerm's `metadata_host`. */
  readonly host: string;
  /** The certificate to trust (PEM). */
  readonly certificateFile: string;
  /**
   * What the azurerm provider needs to use this Azure, as environment variables: the metadata host, the subscription,
   * the service principal, and the certificate to trust.
   */
  environment(): { [name: string]: string };
  stop(): Promise<void>;
}

/** Starts a local Azure; stop it with `stop()` (or use `withLocalAzure`). */
export async function startLocalAzure(options: LocalAzureOptions = {}): Promise<RunningLocalAzure> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-'));
  try {
    const certificate = makeCertificate(directory);
    const azure = new LocalAzure(options);
    const server = https.createServer({ key: certificate.key, cert: certificate.certificate }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const origin = `https://${req.headers.host ?? '127.0.0.1'}`;
        // Concatenated, not resolved: azurerm asks for `//metadata/endpoints`, which as a relative URL names a host.
        const url = new URL(`${origin}${req.url ?? '/'}`);
        let answer: AzureResponse;
        try {
          const request: AzureRequest = {
            method: req.method ?? 'GET',
            path: normalizePath(url.pathname.split('/').map(decodeURIComponent).join('/')),
            query: url.searchParams,
            headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
            body: parseBody(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']),
            origin,
          };
          answer = azure.handle(request);
        } catch (error) {
          // A body Azure cannot read is Azure's 400; anything else is a bug of the local Azure, not an answer of
          // Azure's: said plainly (clients retry a 500).
          answer = error instanceof AzureError ? error.toResponse()
            : { status: 500, headers: {}, body: { error: { code: 'LocalAzureBug', message: String((error as Error).stack ?? error) } } };
        }
        const { status, headers, body } = answer;
        if (body === undefined) {
          res.writeHead(status, headers).end();
        } else {
          res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      azure,
      origin: `https://${host}`,
      host,
      certificateFile: certificate.certificateFile,
      environment: () => ({
        ARM_METADATA_HOSTNAME: host,
        ARM_SUBSCRIPTION_ID: azure.subscriptionId,
        ARM_TENANT_ID: azure.principal.tenantId,
        ARM_CLIENT_ID: azure.principal.clientId,
        ARM_CLIENT_SECRET: azure.principal.clientSecret,
        SSL_CERT_FILE: certificate.certificateFile,
      }),
      stop: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await azure.dispose();
        fs.rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Runs `body` against a local Azure started for it, and stops it however `body` ends. */
export async function withLocalAzure<T>(options: LocalAzureOptions, body: (azure: RunningLocalAzure) => Promise<T>): Promise<T> {
  const running = await startLocalAzure(options);
  try {
    return await body(running);
  } finally {
    await running.stop();
  }
}

/** A request body: JSON (Resource Manager), or form fields (the token endpoints). */
function parseBody(text: string, contentType: string | undefined): Json | undefined {
  if (text === '') {
    return undefined;
  }
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // Resource Manager's answer for a body that is not JSON.
    throw new AzureError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${(error as Error).message}'.`);
  }
}
