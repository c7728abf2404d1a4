/**
 * The claims behind the synth-time checks of setup steps (lib/private/steps/setup-steps.ts), checked under a real PowerShell:
 * - the comment scan takes for a comment only what PowerShell's own parser takes for one;
 * - in a rendered setup, `$host.SetShouldExit()` neither ends nor fails its step, and `[Environment]::Exit()` ends the
 *   whole setup without its result line: why both are refused rather than left to the prelude, which cannot catch them.
 * (`exit`, `return`, `break` and `continue` in a step are handled by the prelude: setup-script.integration.test.ts.)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWithPwsh, runPwsh, runScriptFile } from './pwsh';
import { WindowsSetup } from '../../lib';
import { commentRanges } from '../../lib/private/steps/powershell-comments';


const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-steps-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** Scripts without parse errors, each with what the scan must find: PowerShell's comments, or (`conservative`) fewer. */
const SNIPPETS: Array<{ source: string; conservative?: true }> = [
  { source: '# a line comment\nRestart-Computer' },
  { source: '# ends at a lone CR\rRestart-Computer' },
  { source: 'Write-Output 1 # after code' },
  { source: 'a;#after a semicolon' },
  { source: 'a; <# block #> b' },
  { source: 'x <# over\nlines #> y # and a line comment' },
  { source: '<#\n#>' },
  { source: 'Write-Output a#b c' },
  { source: 'Write-Output a`#b' },
  { source: 'Write-Output $x#c' },
  { source: 'Write-Output 1.5#c' },
  { source: 'Write-Output a<#b#>c' },
  { source: "Write-Output '#'; Restart-Computer" },
  { source: "Write-Output 'it''s # not'; x # yes" },
  { source: 'Write-Output "a`"#b" # yes' },
  { source: 'Write-Output "a""#b" # yes' },
  { source: 'Write-Output "a $("b # c") d" # real' },
  { source: 'Write-Output "$( # inside a subexpression\n 1 )" # yes' },
  { source: 'Write-Output \u2018curly # quotes\u2019; Restart-Computer' },
  { source: 'Write-Output \u201ccurly # quotes\u201d; #yes' },
  { source: "Write-Output @'\n# not\n'@ # yes" },
  { source: '@"\nx "@ is not the end\n# not\n"@ # yes' },
  { source: 'Write-Output ${a #b}; Restart-Computer # c' },
  { source: 'Write-Output "$(\'"\')" # after a subexpression holding a quote' },
  { source: "$text = @'\nit's fine\n'@ # after a here-string holding a quote" },
  { source: 'Write-Output `"quoted # after an escaped quote' },
  { source: '$x=1#c', conservative: true },
  { source: 'Write-Output "a"#c', conservative: true },
  { source: 'Write-Output (1)#c', conservative: true },
  { source: '$h=@{a=1}#c', conservative: true },
  { source: '$a<#x#>=1', conservative: true },
];

describeWithPwsh('setup steps under PowerShell', () => {
  test("the comment scan finds PowerShell's comments, or fewer, never more", async () => {
    // GIVEN PowerShell's own parser's comment tokens
    const input = path.join(directory, 'snippets.json');
    fs.writeFileSync(input, JSON.stringify(SNIPPETS.map((s) => s.source)));
    const script = path.join(directory, 'comments.ps1');
    fs.writeFileSync(script, [
      'param([string] $File)',
      '$results = foreach ($source in (Get-Content -Raw -LiteralPath $File | ConvertFrom-Json)) {',
      '  $tokens = $null; $errors = $null',
      '  [void] [System.Management.Automation.Language.Parser]::ParseInput([string] $source, [ref] $tokens, [ref] $errors)',
      '  $comments = @($tokens | Where-Object Kind -eq Comment | ForEach-Object { ,@($_.Extent.StartOffset, $_.Extent.EndOffset) })',
      '  ,@{ errors = $errors.Count; comments = $comments }',
      '}',
      'ConvertTo-Json -InputObject @($results) -Depth 5 -Compress',
    ].join('\n'));
    // WHEN
    const result = await runPwsh(['-File', script, input]);
    expect(result.code).toBe(0);
    const parsed: Array<{ errors: number; comments: Array<[number, number]> }> = JSON.parse(result.stdout);
    // THEN
    const compared = SNIPPETS.map((snippet, i) => {
      const found = commentRanges(snippet.source);
      const powershell = parsed[i].comments.map(([start, end]) => `${start}-${end}`);
      return {
        source: snippet.source,
        parseErrors: parsed[i].errors,
        onlyTheScanSees: found.map(([start, end]) => `${start}-${end}`).filter((r) => !powershell.includes(r)),
        sameAsPowerShell: found.length === powershell.length,
      };
    });
    expect(compared).toEqual(SNIPPETS.map((snippet) => ({
      source: snippet.source, parseErrors: 0, onlyTheScanSees: [], sameAsPowerShell: !snippet.conservative,
    })));
  });

  test('in a setup, $host.SetShouldExit() ends and fails nothing, and [Environment]::Exit() ends the setup without its result line', async () => {
    // GIVEN a rendered setup whose placeholder steps are swapped for calls the synth-time check refuses
    const rendered = WindowsSetup.custom({
      steps: ['First', 'Second', 'Third'].map((name) => ({ name, script: `Write-Output 'placeholder ${name}'` })),
    }).renderScript();
    const swapped: Record<string, string> = {
      First: "$host.SetShouldExit(3)\nWrite-Output 'ran on after SetShouldExit'",
      Second: "[Environment]::Exit(0)\nWrite-Output 'never'",
      Third: "Write-Output 'third ran'",
    };
    const script = rendered.replace(/@\{ Name = '(\w+)'; Script = \(ConvertFrom-GoldenBase64 '[A-Za-z0-9+/=]+'\) \}/g,
      (_, name: string) => `@{ Name = '${name}'; Script = (ConvertFrom-GoldenBase64 '${Buffer.from(swapped[name] + '\n').toString('base64')}') }`);
    expect(script).not.toBe(rendered);
    const setupDirectory = fs.mkdtempSync(path.join(directory, 'setup-'));
    fs.writeFileSync(path.join(setupDirectory, 'setup.ps1'), script);
    // WHEN
    const result = await runScriptFile(path.join(setupDirectory, 'setup.ps1'), {}, { cwd: setupDirectory });
    // THEN the first step ran on and succeeded; the second ended the process: no later step, no result line
    const log = fs.readFileSync(path.join(setupDirectory, 'setup.log'), 'utf8');
    expect(log).toContain('ran on after SetShouldExit');
    expect(log).toMatch(/^<== First done in \d+s$/m);
    expect(log).toMatch(/^==> \[\d+s\] Second$/m);
    expect(log).not.toContain('never');
    expect(log).not.toContain('third ran');
    expect(log).not.toContain('GOLDEN-IMAGE-SETUP-RESULT');
    expect(result.code).toBe(0);
  });
});
