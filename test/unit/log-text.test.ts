// Log lines built from data cannot carry a workflow command to the runner.
import { describe, expect, it } from 'vitest';
import { logText } from '../../src/util/log-text.js';

/** Each physical line as the runner splits stdout, and whether it would parse it as a workflow command. */
const commandLines = (printed: string): string[] =>
  printed.split(/\r\n|\r|\n/).filter((line) => line.trimStart().startsWith('::') || line.includes('##['));

describe('logText', () => {
  it('keeps a line break in a file name from starting a forged command line', () => {
    const fileName = 'offboarding/x.csv\n::error title=Approved::Offboarding verified by security\n::stop-commands::pwned';
    const printed = logText(`${fileName}:2: csv: delegate boss@contoso.test not found`);
    expect(printed.split('\n')).toHaveLength(1);
    expect(commandLines(printed)).toEqual([]);
    expect(printed).toContain('Offboarding verified by security');
  });

  it('breaks a command at the start of the line, after spaces, and every older ##[ form', () => {
    for (const text of ['::add-mask::x', '   ::warning::x', 'a ##[error]x', '::::', '##[##[']) {
      expect(commandLines(logText(text)), text).toEqual([]);
    }
  });

  it('leaves ordinary text as it is', () => {
    const text = 'Selected 3 of 4 request(s): effective today or earlier (UTC) — a:b #1 [x]';
    expect(logText(text)).toBe(text);
  });
});
