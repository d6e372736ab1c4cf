// Body shapes the documentation gives for every Graph answer of a kind: collections, entities and errors.
import { z } from 'zod';

/**
 * Graph's error resource (https://learn.microsoft.com/en-us/graph/errors): "The error resource is returned whenever
 * an error occurs in the processing of a request", `{ "error": { "code": string, "message": string, "innerError":
 * { "request-id", "date", … } } }`. The case names the `code` it documents.
 */
export function graphError(code: string): z.ZodType {
  return z.object({
    error: z.object({
      code: z.literal(code),
      message: z.string(),
      innerError: z.object({ date: z.string(), 'request-id': z.string() }).optional(),
    }),
  });
}

/** Graph's error resource, with the message the documentation quotes. */
export function graphErrorWith(code: string, message: RegExp): z.ZodType {
  return z.object({ error: z.object({ code: z.literal(code), message: z.string().regex(message) }) });
}

/**
 * A collection (https://learn.microsoft.com/en-us/graph/paging): `value` holds the page, `@odata.nextLink` the URL of
 * the next page when there is one, `@odata.context` the metadata URL.
 */
export function collection(item: z.ZodType): z.ZodType {
  return z.object({
    '@odata.context': z.string(),
    '@odata.nextLink': z.string().url().optional(),
    value: z.array(item),
  });
}

/** A single entity: its `@odata.context` and the properties the case documents. */
export function entity<T extends z.ZodRawShape>(shape: T): z.ZodType {
  return z.object({ '@odata.context': z.string(), ...shape });
}

/** A collection whose `@odata.nextLink` must be there (a page shorter than the whole). */
export function pagedCollection(item: z.ZodType): z.ZodType {
  return z.object({ '@odata.context': z.string(), '@odata.nextLink': z.string().url(), value: z.array(item) });
}
