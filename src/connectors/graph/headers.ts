// HTTP headers of Graph answers: case-insensitive reads and the wait a throttled answer asks for.
export type Headers = Record<string, string>;

export function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

export function responseHeaders(response: Response): Headers {
  const out: Headers = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/** Seconds to wait before retrying: Retry-After (seconds or an HTTP date), else exponential from 1 s. */
export function retryDelaySeconds(headers: Headers | undefined, attempt: number, cap: number): number {
  const value = header(headers, 'retry-after');
  let seconds: number | undefined;
  if (value !== undefined) {
    const n = Number(value);
    seconds = Number.isFinite(n) ? n : Math.ceil((Date.parse(value) - Date.now()) / 1000);
  }
  if (seconds === undefined || !Number.isFinite(seconds)) seconds = 2 ** Math.max(0, attempt - 1);
  return Math.min(Math.max(0, seconds), cap);
}
