// The display-name-format template: its checks, the name it makes, and the original name inside a name it made.

const PLACEHOLDERS = ['displayName', 'effectiveDate'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
export type NameValues = Record<Placeholder, string>;

/** rangeUpper of displayName in the AD schema, and the most Entra ID takes. */
export const MAX_DISPLAY_NAME = 256;
/** `{effectiveDate}` is a date as YYYY-MM-DD. */
const DATE_LENGTH = 10;
const PLACEHOLDER = /\{([^{}]*)\}/g;

const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/** The format's parts in order: literal text, and placeholders by name. */
function parts(format: string): { literal?: string; placeholder?: string }[] {
  const out: { literal?: string; placeholder?: string }[] = [];
  let at = 0;
  for (const match of format.matchAll(PLACEHOLDER)) {
    if (match.index > at) out.push({ literal: format.slice(at, match.index) });
    out.push({ placeholder: match[1] });
    at = match.index + match[0].length;
  }
  if (at < format.length) out.push({ literal: format.slice(at) });
  return out;
}

/** What is wrong with a format, as messages; none for a usable one. */
export function formatProblems(format: string): string[] {
  const problems = [...new Set(parts(format).flatMap((part) => (part.placeholder === undefined || isPlaceholder(part.placeholder) ? [] : [part.placeholder])))].map(
    (name) => `unknown placeholder {${name}}: the placeholders are ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
  );
  const withoutName = parts(format).filter((part) => part.placeholder !== 'displayName');
  // Something besides the name itself: else the result is the old name (or empty for a user without one).
  if (!withoutName.some((part) => part.placeholder === 'effectiveDate' || (part.literal ?? '').trim() !== '')) {
    problems.push('makes no new name: it needs text or {effectiveDate} besides {displayName}');
  }
  const shortest = renderName(format, { displayName: '', effectiveDate: '0'.repeat(DATE_LENGTH) }).length;
  if (shortest > MAX_DISPLAY_NAME) {
    problems.push(`makes names of ${shortest} characters or more; a display name has at most ${MAX_DISPLAY_NAME}`);
  }
  return problems;
}

/** The name from the format, in one pass: a value that itself holds `{effectiveDate}` stays as it is. */
export function renderName(format: string, values: NameValues): string {
  return format.replace(PLACEHOLDER, (whole, name: string) => (isPlaceholder(name) ? values[name] : whole));
}

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * The name that `name` was made from, when `name` has the format's shape (any date in `{effectiveDate}`): how a run
 * that finds an account renamed already applies the format to the original name instead of stacking it. The name
 * itself when it does not have the shape (or the format holds no `{displayName}`, when the name does not matter).
 */
export function originalName(format: string, name: string): string {
  let named = false;
  const pattern = parts(format)
    .map((part) => {
      if (part.literal !== undefined) return escapeRegExp(part.literal);
      if (part.placeholder === 'effectiveDate') return '\\d{4}-\\d{2}-\\d{2}';
      if (named) return '\\1';
      named = true;
      return '(.*)';
    })
    .join('');
  const match = new RegExp(`^${pattern}$`, 'su').exec(name);
  return match && named ? match[1] : name;
}
