/**
 * The local Azure's TLS certificate, made at start with `openssl` (Node 20 cannot make an X.509 certificate by itself):
 * self-signed, for 127.0.0.1 only, valid for two days. Clients trust it through their CA bundle setting
 * (`SSL_CERT_FILE` for the Go providers, `REQUESTS_CA_BUNDLE` for the Azure CLI); Go and Python need the address in
 * subjectAltName, not in the common name.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface Certificate {
  /** The certificate (PEM): what clients trust. */
  readonly certificateFile: string;
  readonly certificate: string;
  /** The private key (PEM), readable by its owner only. */
  readonly key: string;
}

/** How to get openssl, for the message of a machine without it. */
export const OPENSSL_INSTALL = 'install OpenSSL (Debian/Ubuntu: apt-get install openssl; macOS: it ships with the system) and put `openssl` on PATH.';

/** Makes a key and a self-signed certificate for 127.0.0.1 in `directory`. */
export function makeCertificate(directory: string): Certificate {
  const keyFile = path.join(directory, 'local-azure-key.pem');
  const certificateFile = path.join(directory, 'local-azure-cert.pem');
  const result = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=local-azure', '-keyout', keyFile, '-out', certificateFile,
    '-addext', 'subjectAltName=IP:127.0.0.1',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
    '-addext', 'extendedKeyUsage=serverAuth',
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined || result.status !== 0) {
    const reason = result.error?.message ?? `exit ${result.status}: ${result.stderr}`;
    throw new Error(`The local Azure could not make its TLS certificate with openssl (${reason}): ${OPENSSL_INSTALL}`);
  }
  fs.chmodSync(keyFile, 0o600);
  return { certificateFile, certificate: fs.readFileSync(certificateFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
}
