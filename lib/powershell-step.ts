// One setup step, in a file of its own: WindowsSetup takes them, and the private step checks (private/steps/setup-steps.ts)
// read them, without importing the construct's module.

/**
 * A named piece of PowerShell run in the build VM as SYSTEM, under Windows PowerShell 5.1.
 *
 * The contract of a step:
 * - it runs from its own script file (UTF-8 with BOM: any text is safe) with `Set-StrictMode -Version 3.0` (an
 *   undefined variable, a missing property or a call to a missing method is an error) and
 *   `$ErrorActionPreference = 'Stop'`: any PowerShell error fails the step;
 * - a native command's non-zero exit code throws nothing in Windows PowerShell 5.1: the step fails when its last
 *   native command (or its `exit` statement) leaves a non-zero `$LASTEXITCODE`. Check earlier native commands
 *   yourself (`if ($LASTEXITCODE -ne 0) { throw ... }`); when a non-zero code is expected (robocopy), end the step
 *   with `exit 0` or `$global:LASTEXITCODE = 0`;
 * - `exit` ends the step, not the setup: `exit` or `exit 0` is success and the next step runs, `exit 3` fails the
 *   step; `return` ends it too. `break` or `continue` outside a loop fails the step;
 * - its output, `Write-Host`, warnings and verbose messages go to the setup log, line by line as produced; the
 *   standard error of a native command does not (under `$ErrorActionPreference = 'Stop'` Windows PowerShell 5.1
 *   would turn its first line into an error): merge it in the command itself, e.g. `cmd /c "tool.exe 2>&1"`;
 * - the setup's parameters are in the hashtable `$GoldenSetup`; the step must not restart the VM (a pending reboot
 *   is handled after the setup).
 *
 * Refused at synth time, outside comments: calls that would end the whole setup rather than the step
 * (`[Environment]::Exit()`, `Stop-Process -Id $PID`, `Stop-Process -Name powershell`), `$host.SetShouldExit()` (which
 * ends nothing: use `exit`), restarting or stopping the VM (`Restart-Computer`, `Stop-Computer`, `shutdown /r`), and
 * letting an installation restart it (a `-Restart` or `-AutoReboot` switch; `msiexec` with `/quiet` or `/qn`, `dism`
 * with `/Quiet`, `wusa` with `/quiet`, each without its no-restart option);
 * a script holding U+0000 or U+FFFD (a file read in the wrong encoding: use `WindowsSetup.stepFromFile`). A leading
 * BOM (U+FEFF) is dropped.
 */
export interface PowerShellStep {
  /** Shown in the setup log (`C:\GoldenImage\setup.log`) and in the failure message: `FAILURE step '<name>': ...`. */
  readonly name: string;
  /**
   * PowerShell source for Windows PowerShell 5.1, any characters. Any error or a non-zero exit code of its last
   * native command fails the setup, and so the deployment (see `PowerShellStep`).
   */
  readonly script: string;
}
