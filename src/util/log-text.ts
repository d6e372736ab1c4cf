// Text from data or from a server, made safe to print in the job log: the runner can read no workflow command in it.

/**
 * The runner treats a log line that starts with `::` (after spaces) as a workflow command (`::error::`,
 * `::stop-commands::`, `::add-mask::`), and `##[` anywhere as the older form. A file name, a cell or a server's
 * message could carry either, and a line break in it would start a new line the runner parses. One line, with every
 * `::` and `##[` broken by a zero-width space, prints the same to a reader and nothing to the runner.
 */
export function logText(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, ' ⏎ ')
    .replace(/:(?=:)/g, ':\u200B')
    .replace(/#(?=#\[)/g, '#\u200B');
}
