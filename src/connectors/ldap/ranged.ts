// Range retrieval of large multi-valued attributes (memberOf, member): AD hands out at most MaxValRange values per request.
import type { Entry } from 'ldapts';

/**
 * Values per request. Past its MaxValRange (1,500 by default since Windows Server 2003, 1,000 before), AD answers
 * `member;range=0-1499` instead of `member` and the rest must be asked for by range; Microsoft's guidance is to ask
 * for at most 1,000 values at a time to work with every Windows DC, and to follow the range the server returns
 * (https://learn.microsoft.com/en-us/windows/win32/adsi/attribute-range-retrieval). Asking by range from the start
 * gives the same answers from AD and from directories that never range by themselves (Samba).
 */
export const MAX_VALUE_RANGE = 1000;

/** `memberOf;range=0-1499`: the values from `low` on, at most `size` of them. */
export const rangeOf = (attribute: string, low: number, size: number): string => `${attribute};range=${low}-${low + size - 1}`;

/** One answer's share of an attribute: its values, and where the next range starts when more are left. */
interface RangeAnswer {
  values: (string | Buffer)[];
  next?: number;
}

/** The attribute's values in an entry, under its plain name or a `;range=low-high` one; `high` `*` is the last range. */
export function rangeAnswer(entry: Entry, attribute: string): RangeAnswer {
  const wanted = attribute.toLowerCase();
  for (const [name, raw] of Object.entries(entry)) {
    const [base, ...options] = name.toLowerCase().split(';');
    if (base !== wanted) continue;
    const values = (Array.isArray(raw) ? raw : [raw]) as (string | Buffer)[];
    const range = options.map((o) => /^range=(\d+)-(\d+|\*)$/.exec(o)).find((m) => m !== null);
    // ldapts also lists a requested name that came back without values: only a name with values counts.
    if (values.length === 0 && range) continue;
    if (!range || range[2] === '*') return { values };
    const high = Number(range[2]);
    return high >= Number(range[1]) ? { values, next: high + 1 } : { values };
  }
  return { values: [] };
}

/**
 * The entry with every value of `attribute` under its plain name, reading the ranges the first answer left out with
 * `readRange` (a base search of the entry for one range) until the DC says the last one came.
 */
export async function withAllValues(
  entry: Entry,
  attribute: string,
  size: number,
  readRange: (dn: string, rangedName: string) => Promise<Entry | undefined>,
): Promise<Entry> {
  let answer = rangeAnswer(entry, attribute);
  const values = [...answer.values];
  while (answer.next !== undefined) {
    const more = await readRange(entry.dn, rangeOf(attribute, answer.next, size));
    answer = more ? rangeAnswer(more, attribute) : { values: [] };
    values.push(...answer.values);
  }
  const complete: Entry = { dn: entry.dn };
  for (const [name, value] of Object.entries(entry)) {
    if (name.toLowerCase().split(';')[0] !== attribute.toLowerCase()) complete[name] = value;
  }
  complete[attribute] = values as string[] | Buffer[];
  return complete;
}
