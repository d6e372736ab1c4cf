// How a plan names what a step changes: the count and the first few names ("3 devices: iPhone 15, Pixel 8, …").

export function namedCount(count: number, noun: string, names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return `${count} ${noun}${count === 1 ? '' : 's'}: ${shown}${names.length > 3 ? ', …' : ''}`;
}
