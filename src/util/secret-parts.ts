// The pieces of a secret to mask in the log: the value itself and, for a multi-line one, each of its lines.

/**
 * The runner hides a masked value only where the whole value appears; one line of a PEM key printed alone (in a
 * library's error, say) would show. Each line long enough to be key material is masked too; the `-----BEGIN …-----`
 * armour is not secret and stays readable.
 */
export function secretParts(value: string): string[] {
  const lines = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 8 && !line.startsWith('-----'));
  return [...new Set([value, ...(lines.length > 1 ? lines : [])])];
}
