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

/**
 * What the run derives from the certificate input, in every form a library or a service might print it: the key's
 * PKCS#8 PEM (whole and line by line), its DER as one base64 line, and the PFX handed to PnP, whole and wrapped as
 * PEM (64) and MIME (76) wrap base64.
 */
export function keyMaterialParts(keyPem: string, pfxBase64: string): string[] {
  const body = keyPem
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('-----'))
    .join('');
  const wrapped = (text: string, width: number): string[] => text.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
  const pfxLines = [...wrapped(pfxBase64, 64), ...wrapped(pfxBase64, 76)].filter((line) => line.length >= 8);
  return [...new Set([...secretParts(keyPem), body, pfxBase64, ...pfxLines])];
}
