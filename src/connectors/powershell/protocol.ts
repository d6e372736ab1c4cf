// The JSON lines spoken with worker.ps1: a request out per line, a reply back per line, checked here at the boundary.
import { z } from 'zod';

const workerErrorSchema = z.object({
  type: z.string().optional(),
  errorId: z.string().optional(),
  category: z.string().optional(),
  /** CategoryInfo.Reason: the exception type's name, or the type a module names for a server's error. */
  reason: z.string().optional(),
  message: z.string().optional(),
});

const workerReplySchema = z.object({
  // null when the worker could not read the request's id.
  id: z.number().int().nullable(),
  ok: z.boolean(),
  output: z.array(z.unknown()).default([]),
  warnings: z.array(z.string()).default([]),
  /** The verbose stream, for a request that asked for it. */
  verbose: z.array(z.string()).default([]),
  errors: z.array(workerErrorSchema).default([]),
});

/** One error record of a failed command, as ConvertTo-ErrorInfo in worker.ps1 writes it. */
export type WorkerError = z.infer<typeof workerErrorSchema>;
export type WorkerReply = z.infer<typeof workerReplySchema>;

/** One line of the worker's stdout: its reply, or why the line is not one. */
export function parseReply(line: string): { reply: WorkerReply } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = workerReplySchema.safeParse(json);
  if (parsed.success) return { reply: parsed.data };
  return { problem: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'reply'}: ${issue.message}`).join('; ') };
}

/** One request as a line; the worker reads parameters as data, never as script text. */
export function requestLine(message: Record<string, unknown>, id: number): string {
  // U+2028/2029 are valid in JSON but some line readers split on them; escaped they cannot.
  return `${JSON.stringify({ ...message, id }).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}\n`;
}
