// Reads a file as it was at an earlier commit: from the local checkout when it has the commit, else from GitHub.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getOctokit } from '@actions/github';
import { childEnv } from '../util/child-env.js';

const run = promisify(execFile);

/** What git reads besides the essentials: where its configuration is (`safe.directory` is set there on runners). */
const gitEnv = (): Record<string, string> => childEnv(['XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_NOSYSTEM']);

/** Reads `path` (relative to the workspace) at commit `sha`; undefined when the file did not exist there. */
export type BaseReader = (path: string, sha: string) => Promise<string | undefined>;

const short = (sha: string): string => sha.slice(0, 7);

async function succeeds(workspace: string, args: string[]): Promise<boolean> {
  try {
    await run('git', args, { cwd: workspace, env: gitEnv() });
    return true;
  } catch {
    return false;
  }
}

/**
 * A checkout made with the default `fetch-depth: 1` lacks the base commit; the contents API then supplies the file,
 * which needs `token`. `apiUrl` defaults to GITHUB_API_URL (GitHub Enterprise Server sets it).
 */
export function makeBaseReader(options: {
  workspace: string;
  token?: string;
  repo: { owner: string; repo: string };
  apiUrl?: string;
}): BaseReader {
  const { workspace, token, repo } = options;
  return async (path, sha) => {
    if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new Error(`"${sha}" is not a commit id`);
    // `<commit>:./<path>` is resolved against the working directory, so a workspace below the repository root works.
    const object = `${sha}:./${path}`;
    if (await succeeds(workspace, ['cat-file', '-e', `${sha}^{commit}`])) {
      if (!(await succeeds(workspace, ['cat-file', '-e', object]))) return undefined;
      const { stdout } = await run('git', ['cat-file', 'blob', object], {
        cwd: workspace,
        env: gitEnv(),
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
      });
      return stdout;
    }
    if (!token) {
      throw new Error(
        `the base commit ${short(sha)} is not in the checkout and no github-token is set to read ${path} from GitHub: ` +
          'check out with fetch-depth: 0, or pass github-token',
      );
    }
    const octokit = getOctokit(token, {
      baseUrl: options.apiUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com',
    });
    try {
      // The raw media type returns files up to 100 MB; the JSON form stops carrying content at 1 MB.
      const response = await octokit.rest.repos.getContent({
        owner: repo.owner,
        repo: repo.repo,
        path,
        ref: sha,
        mediaType: { format: 'raw' },
      });
      if (typeof response.data !== 'string') throw new Error(`${path} at ${short(sha)} is not a file`);
      return response.data;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
      // GitHub answers 404 both for a file missing at that commit and for an unknown commit; only the first is fine.
      if (status === 404 && !/no commit found/i.test(message)) return undefined;
      throw new Error(`cannot read ${path} at the base commit ${short(sha)} from GitHub: ${message}`, { cause: error });
    }
  };
}
