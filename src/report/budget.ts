// Text built under a size limit: each block goes in whole or not at all, so what is written is never cut mid-tag.

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
export const characters = (text: string): number => text.length;

/** A value from data or a server, shortened before it is escaped, so one value cannot take the whole budget. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters in the results file)`;
}

export class Budget {
  private readonly blocks: string[] = [];
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly measure: (text: string) => number,
  ) {}

  /** The size of lines as `add` would take them. */
  sizeOf(lines: string | string[]): number {
    return this.measure(`${typeof lines === 'string' ? lines : lines.join('\n')}\n`);
  }

  /** Adds the lines when they fit with `reserve` still free after them (room for what must close them). */
  add(lines: string | string[], reserve = 0): boolean {
    const size = this.sizeOf(lines);
    if (this.used + size + reserve > this.limit) return false;
    this.blocks.push(`${typeof lines === 'string' ? lines : lines.join('\n')}\n`);
    this.used += size;
    return true;
  }

  /** Adds each block that fits, in order; returns how many did not. */
  addEach(blocks: (string | string[])[], reserve = 0): number {
    let left = 0;
    for (const block of blocks) if (!this.add(block, reserve)) left++;
    return left;
  }

  toString(): string {
    return this.blocks.join('');
  }
}
