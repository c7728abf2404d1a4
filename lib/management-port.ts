/**
 * A management port that `managementSourceRange` opens (GoldenVm, ImageFleet, ImageScaleSet).
 * Only RDP by default: WinRM is opt-in, and WinRM over plain HTTP sends its traffic unencrypted unless the client
 * negotiates message encryption.
 */
export enum ManagementPort {
  /** Remote Desktop, TCP 3389. */
  RDP = 'Rdp',
  /** WinRM over HTTPS, TCP 5986 (needs a certificate listener in the guest). */
  WINRM_HTTPS = 'WinRmHttps',
  /** WinRM over plain HTTP, TCP 5985. */
  WINRM_HTTP = 'WinRmHttp',
}
