// The worker script, read by PowerShell's own parser: nothing in it can run text that arrived as data.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { defaultWorkerPath } from '../../src/connectors/powershell/session.js';

const facts = inject('stack');
const ANALYZER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-ast.ps1');

interface CommandInfo {
  name: string | null;
  operator: string;
  command: string;
  commandIsConstant: boolean;
  arguments: { text: string; constant: boolean; splatted: boolean }[];
  function: string | null;
  line: number;
}

interface Analysis {
  parseErrors: string[];
  commands: CommandInfo[];
  memberCalls: { target: string; member: string; static: boolean; line: number }[];
}

function analyse(script: string): Analysis {
  const json = execFileSync(facts.pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', ANALYZER, script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', POWERSHELL_TELEMETRY_OPTOUT: '1' },
  });
  return JSON.parse(json) as Analysis;
}

const RUNS_TEXT = new Set(['invoke-expression', 'iex', 'invoke-command', 'icm', 'start-job', 'start-threadjob', 'new-module', 'nmo', 'start-process']);
const SHELLS = new Set(['pwsh', 'pwsh.exe', 'powershell', 'powershell.exe']);
const TEXT_METHODS = new Set(['invokescript', 'newscriptblock', 'expandstring', 'addscript']);

/** Everything that could run code built from data, with its line; the one allowed dynamic call is left out. */
function violations(analysis: Analysis): string[] {
  const found: string[] = analysis.parseErrors.map((e) => `parse error: ${e}`);
  for (const c of analysis.commands) {
    const name = (c.name ?? '').toLowerCase();
    if (RUNS_TEXT.has(name)) found.push(`${c.line}: ${c.name} runs text as code`);
    if (name === 'add-type' && c.arguments.some((a) => !a.constant)) found.push(`${c.line}: Add-Type with text that is not a constant`);
    if (SHELLS.has(name) && c.arguments.some((a) => /^-(c|command|e|ec|encodedcommand)$/i.test(a.text)) && c.arguments.some((a) => !a.constant)) {
      found.push(`${c.line}: ${c.name} -Command with variable text`);
    }
    if (c.operator !== 'Unknown' && !c.commandIsConstant && !isAllowedSplat(c)) {
      found.push(`${c.line}: ${c.operator === 'Dot' ? '.' : '&'} ${c.command} runs a command chosen at run time`);
    }
  }
  for (const m of analysis.memberCalls) {
    const member = m.member.toLowerCase();
    if (member === 'create' && /scriptblock/i.test(m.target)) found.push(`${m.line}: ${m.target}::Create builds a script block from text`);
    if (TEXT_METHODS.has(member)) found.push(`${m.line}: .${m.member} runs text as code`);
  }
  return found;
}

function isAllowedSplat(c: CommandInfo): boolean {
  return c.operator === 'Ampersand' && c.function === 'Invoke-Splatted' && c.command === '$command' && c.arguments.some((a) => a.splatted && a.text === '@Parameters');
}

describe('the worker script', () => {
  it('parses, and runs nothing built from data: no Invoke-Expression, [scriptblock]::Create, Add-Type or -Command with variable text', () => {
    expect(violations(analyse(defaultWorkerPath()))).toEqual([]);
  });

  it('has exactly one call of a command chosen at run time: the allowlisted command, parameters splatted as data', () => {
    const dynamic = analyse(defaultWorkerPath()).commands.filter((c) => c.operator !== 'Unknown');
    expect(dynamic).toEqual([
      expect.objectContaining({ operator: 'Ampersand', command: '$command', function: 'Invoke-Splatted', commandIsConstant: false }),
    ]);
    expect(dynamic[0].arguments.filter((a) => a.splatted).map((a) => a.text)).toEqual(['@Parameters']);
  });

  it('is checked by an analysis that does find each kind of code built from data', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'worker-ast-'));
    const bad = path.join(dir, 'bad.ps1');
    writeFileSync(
      bad,
      [
        '$text = $args[0]',
        'Invoke-Expression $text',
        'iex $text',
        '$block = [scriptblock]::Create($text)',
        '& $block',
        '. $text',
        'Add-Type -TypeDefinition $text',
        'pwsh -NoProfile -Command $text',
        '$ExecutionContext.InvokeCommand.InvokeScript($text)',
        'function Invoke-Splatted { & $other @Parameters }',
      ].join('\n'),
    );
    expect(violations(analyse(bad))).toEqual([
      '2: Invoke-Expression runs text as code',
      '3: iex runs text as code',
      '5: & $block runs a command chosen at run time',
      '6: . $text runs a command chosen at run time',
      '7: Add-Type with text that is not a constant',
      '8: pwsh -Command with variable text',
      '10: & $other runs a command chosen at run time',
      '4: [scriptblock]::Create builds a script block from text',
      '9: .InvokeScript runs text as code',
    ]);
  });
});
