// The limits of following @odata.nextLink: a bounded number of pages, on the Graph host and version asked, no page twice.
import { GraphError, type CallName } from './errors.js';

/**
 * Graph's page size for directory collections when the request sets no `$top`
 * (https://learn.microsoft.com/en-us/graph/paging). A read of `maxItems` has this many pages at most, plus one: Graph may
 * end a collection with an empty page behind a last nextLink.
 */
const DEFAULT_PAGE_SIZE = 100;

export function maxPagesFor(maxItems: number, top: number | undefined): number {
  return Math.ceil(maxItems / (top ?? DEFAULT_PAGE_SIZE)) + 1;
}

function pagingError(call: CallName, code: string, message: string): GraphError {
  return new GraphError({ status: 0, code, method: call.method, url: call.url, message: `Graph ${call.method} ${call.endpoint}: ${message}` });
}

/**
 * The nextLink as a URL relative to the version root, if it is one the connector follows: on the configured Graph
 * endpoint (proxy path included) or on the cloud's own Graph host (a reverse proxy that does not rewrite the links
 * Graph writes), and on v1.0, the version of every request. The request goes to the configured endpoint either way:
 * the access token never goes to the host a link names. Anything else is an error of the read, never a partial list.
 */
export function followableLink(link: string, call: CallName, endpoints: { configured: string; cloud: string }): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw pagingError(call, 'paging-foreign-link', `the answer's @odata.nextLink is not an absolute URL (${JSON.stringify(link.slice(0, 200))}); the list was not read to its end.`);
  }
  const roots = [endpoints.configured, endpoints.cloud].map((endpoint) => new URL(endpoint)).map((root) => ({
    origin: root.origin,
    prefix: `${root.pathname.replace(/\/+$/, '')}/v1.0/`,
  }));
  const root = roots.find((r) => url.origin === r.origin && url.pathname.startsWith(r.prefix));
  if (!root || url.username !== '' || url.password !== '') {
    throw pagingError(
      call,
      'paging-foreign-link',
      `the answer's @odata.nextLink leads to ${url.origin}${url.pathname.split('/').slice(0, 2).join('/')}, not to ${endpoints.configured}/v1.0: ` +
        'it was not followed and the list was not read to its end; check graph-endpoint and any proxy between the runner and Graph.',
    );
  }
  return `${url.pathname.slice(root.prefix.length - 1)}${url.search}`;
}

/** Follows one list's nextLinks: stops a read that goes past its bound or comes back to a page it has read. */
export function createPageGuard(call: CallName, maxItems: number, top: number | undefined): (relative: string) => void {
  const maxPages = maxPagesFor(maxItems, top);
  const seen = new Set<string>([call.url]);
  return (relative) => {
    if (seen.has(relative)) {
      throw pagingError(call, 'paging-loop', `the answer's @odata.nextLink leads back to a page already read (${relative.slice(0, 200)}): the list was not read to its end.`);
    }
    if (seen.size >= maxPages) {
      throw pagingError(
        call,
        'paging-bound',
        `the list goes on past ${maxPages} pages (more than ${maxItems} items, more than it can hold): it was not read to its end; run again, and report it if it stays.`,
      );
    }
    seen.add(relative);
  };
}
