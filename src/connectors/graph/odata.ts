// Graph URLs from an endpoint pattern and user values: every value is encoded here, none is spliced in as it is.
import type { GraphQuery } from '../types.js';

/** An OData string literal: the value in single quotes, its own quotes doubled. Encode the whole `$filter` afterwards. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A user value as one URL path segment: everything but unreserved characters percent-encoded (quotes included). */
function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/users/{id}/drive` with `{ id }` → `/users/<id, encoded>/drive`; a pattern must name every value it needs. */
export function expandPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  if (!path.startsWith('/') || path.includes('?')) {
    throw new Error(`A Graph path starts with "/" and has no query (pass it as query): ${path}`);
  }
  return path.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`The Graph path ${path} needs a value for {${name}}.`);
    return pathSegment(value);
  });
}

/** The query string (without `?`) of OData options, in the order filter, select, expand, top, count. */
export function queryString(query: GraphQuery = {}): string {
  const parts: string[] = [];
  const filter = Object.entries(query.filter ?? {}).map(([property, value]) => `${property} eq ${odataString(value)}`);
  if (filter.length > 0) parts.push(`$filter=${encodeURIComponent(filter.join(' and '))}`);
  if (query.select) parts.push(`$select=${query.select.map(encodeURIComponent).join(',')}`);
  if (query.expand) parts.push(`$expand=${encodeURIComponent(query.expand)}`);
  if (query.top !== undefined) parts.push(`$top=${query.top}`);
  if (query.count) parts.push('$count=true');
  return parts.join('&');
}

/** The URL of a request relative to the version root: the expanded path and its query. */
export function relativeUrl(path: string, params?: Readonly<Record<string, string>>, query?: GraphQuery): string {
  const search = queryString(query);
  return `${expandPath(path, params)}${search ? `?${search}` : ''}`;
}
