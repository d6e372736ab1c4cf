// The example workflows are checked with GitHub's own workflow parser and against the inputs of action.yml.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInputs } from '../../src/inputs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples/workflows');
const ACTION_TEXT = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const ACTION_INPUTS = new Set(Object.keys((parse(ACTION_TEXT) as { inputs: Record<string, unknown> }).inputs));

interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}
interface WorkflowJob {
  'runs-on': string | string[];
  environment?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  steps: WorkflowStep[];
}
interface Workflow {
  on: Record<string, Record<string, unknown> | null>;
  concurrency: { group: string; 'cancel-in-progress'?: boolean; queue?: string };
  permissions: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, WorkflowJob>;
}

const examples = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.yml'))
  .sort();
const text = (name: string): string => readFileSync(path.join(EXAMPLES, name), 'utf8');
const workflow = (content: string): Workflow => parse(content) as Workflow;

/** Every error GitHub's parser reports: YAML, schema, expressions and contexts, then the model (cron, needs…). */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  if (!parsed.value) return parsed.context.errors.getErrors().map((error) => error.message);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return [...new Set([...parsed.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)])];
}

/** The steps that call this action, wherever it is published from. */
function offboardSteps(flow: Workflow): WorkflowStep[] {
  return Object.values(flow.jobs).flatMap((job) => job.steps.filter((step) => /(^|\/)m365-offboard@/.test(step.uses ?? '')));
}

/** `with:` keys given to this action that action.yml does not declare. */
function unknownInputs(content: string): string[] {
  return offboardSteps(workflow(content)).flatMap((step) => Object.keys(step.with ?? {}).filter((key) => !ACTION_INPUTS.has(key)));
}

const withOf = (name: string): Record<string, string | number | boolean> => {
  const [step] = offboardSteps(workflow(text(name)));
  return step.with ?? {};
};
const onlyJob = (name: string): WorkflowJob => {
  const jobs = Object.values(workflow(text(name)).jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0];
};

/** The job's `mode` input to this action: only a literal `plan` is a plan; anything else (an expression too) may apply. */
const modeOf = (job: WorkflowJob): string | undefined => {
  const step = job.steps.find((s) => /(^|\/)m365-offboard@/.test(s.uses ?? ''));
  return step ? String(step.with?.mode ?? 'plan') : undefined;
};
const isPlan = (job: WorkflowJob): boolean => modeOf(job) === 'plan';
const labelsOf = (job: WorkflowJob): string[] => [job['runs-on']].flat();

/** Jobs that can read a secret without an environment: a repository or organization secret is all they could get. */
function secretsWithoutEnvironment(flow: Workflow): string[] {
  const outside = Object.entries(flow.jobs).filter(([, job]) => !job.environment && JSON.stringify(job).includes('secrets.'));
  return [...(JSON.stringify(flow.env ?? {}).includes('secrets.') ? ['env'] : []), ...outside.map(([id]) => id)];
}

/** Jobs that may apply outside `offboarding`, and plans outside `offboarding-plan`. */
function wrongEnvironments(flow: Workflow): string[] {
  return Object.entries(flow.jobs)
    .filter(([, job]) => modeOf(job) !== undefined && job.environment !== (isPlan(job) ? 'offboarding-plan' : 'offboarding'))
    .map(([id]) => id);
}

/** `uses:` lines not pinned to a full commit SHA with the version it is in a comment. */
function unpinnedUses(content: string): string[] {
  return content
    .split('\n')
    .filter((line) => /^\s*(-\s+)?uses:/.test(line))
    .filter((line) => !/uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$/.test(line))
    .map((line) => line.trim());
}

/** Checkout steps that leave the job's token in the checkout's git config. */
function persistedCredentials(flow: Workflow): string[] {
  return Object.entries(flow.jobs).flatMap(([id, job]) =>
    job.steps.filter((step) => step.uses?.startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false).map(() => id),
  );
}

const allJobs = (): WorkflowJob[] => examples.flatMap((name) => Object.values(workflow(text(name)).jobs));

/** What each job may do with the repository's token; nothing at the workflow level. */
const PERMISSIONS: Record<string, Record<string, Record<string, string>>> = {
  'offboarding-plan.yml': { plan: { contents: 'read', 'pull-requests': 'write' } },
  'offboarding-apply.yml': { apply: { contents: 'read' } },
  'offboarding-nightly.yml': { apply: { contents: 'read' } },
  'offboarding-manual.yml': { plan: { contents: 'read' }, apply: { contents: 'read' } },
  'offboarding-undo.yml': { plan: { contents: 'read', actions: 'read' }, apply: { contents: 'read', actions: 'read' } },
};

/** The undo reverses the steps its record holds: it names none. */
const UNDO = 'offboarding-undo.yml';

/** `run:` scripts that contain an expression: a value would become script text before the shell sees it. */
function expressionsInScripts(flow: Workflow): string[] {
  return Object.values(flow.jobs).flatMap((job) => job.steps.filter((step) => step.run?.includes('${{')).map((step) => step.name ?? step.run ?? ''));
}

/** Runs a step's script with bash and the given environment; its exit code. */
function runScript(script: string, env: Record<string, string>): number {
  const result = spawnSync('bash', ['-e', '-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return result.status ?? -1;
}

const UPLOAD_IF = "always() && steps.offboard.outcome != 'skipped'";

describe('the example workflows', () => {
  it('are the five documented ones', () => {
    expect(examples).toEqual(Object.keys(PERMISSIONS).sort());
  });

  describe.each(examples)('%s', (name) => {
    it("has no error for GitHub's workflow parser", async () => {
      expect(await workflowErrors(name, text(name))).toEqual([]);
    });

    it('calls the action once per job, pinned to a commit, with inputs that action.yml declares', () => {
      const flow = workflow(text(name));
      const steps = offboardSteps(flow);
      expect(steps).toHaveLength(Object.keys(flow.jobs).length);
      for (const step of steps) expect(step.uses).toMatch(/^contoso\/m365-offboard@[0-9a-f]{40}$/);
      for (const step of steps) expect(Object.keys(step.with ?? {}).length).toBeGreaterThan(0);
      expect(unknownInputs(text(name))).toEqual([]);
    });

    it('runs every job on a self-hosted runner', () => {
      for (const job of Object.values(workflow(text(name)).jobs)) expect(job['runs-on']).toEqual(expect.arrayContaining(['self-hosted']));
    });

    it('pins every uses: to a full commit SHA, with the version in a comment', () => {
      expect(unpinnedUses(text(name))).toEqual([]);
    });

    it('references secrets only in jobs that name an environment, so that no repository secret is needed', () => {
      expect(secretsWithoutEnvironment(workflow(text(name)))).toEqual([]);
    });

    it('applies only in the protected offboarding environment, and plans in offboarding-plan', () => {
      expect(wrongEnvironments(workflow(text(name)))).toEqual([]);
    });

    it('checks out without leaving the token in the git config', () => {
      expect(persistedCredentials(workflow(text(name)))).toEqual([]);
    });

    it('queues its runs in a concurrency group and never cancels one in progress', () => {
      const { concurrency } = workflow(text(name));
      expect(concurrency.group).toMatch(/^offboarding-/);
      expect(concurrency['cancel-in-progress']).toBe(false);
    });

    it('asks for the least permissions each job needs, and none for the workflow', () => {
      const flow = workflow(text(name));
      expect(flow.permissions).toEqual({});
      expect(Object.fromEntries(Object.entries(flow.jobs).map(([id, job]) => [id, job.permissions]))).toEqual(PERMISSIONS[name]);
    });

    it('takes the certificate and the LDAP password from secrets, and everything else from elsewhere', () => {
      const given = withOf(name);
      expect(given.certificate).toBe('${{ secrets.OFFBOARD_CERT_PEM }}');
      expect(given['ldap-password']).toBe('${{ secrets.LDAP_PASSWORD }}');
      const fromSecrets = Object.entries(given)
        .filter(([, value]) => String(value).includes('secrets.'))
        .map(([key]) => key)
        .sort();
      expect(fromSecrets).toEqual(['certificate', 'ldap-password']);
      expect(given['tenant-id']).toBe('${{ vars.ENTRA_TENANT_ID }}');
      expect(given['ldap-url']).toBe('${{ vars.LDAP_URL }}');
    });

    it('runs the same steps and stages as the other examples, so that a plan shows what apply does (the undo names none)', () => {
      const { steps, stages } = withOf(name);
      const apply = withOf('offboarding-apply.yml');
      expect({ steps, stages }).toEqual(name === UNDO ? { steps: undefined, stages: undefined } : { steps: apply.steps, stages: apply.stages });
    });

    it('never writes an expression into a run: script (values reach the shell through env)', () => {
      expect(expressionsInScripts(workflow(text(name)))).toEqual([]);
    });
  });

  it("plans on pull requests that touch an offboarding CSV, in the planner's environment", () => {
    const flow = workflow(text('offboarding-plan.yml'));
    expect(Object.keys(flow.on)).toEqual(['pull_request']);
    expect(flow.on.pull_request).toEqual({ paths: ['offboarding/**.csv'] });
    expect(withOf('offboarding-plan.yml').mode).toBe('plan');
    expect(onlyJob('offboarding-plan.yml').environment).toBe('offboarding-plan');
  });

  it('plans and applies on runners with different labels: each apply job has a label no plan job has, and the reverse', () => {
    const plans = allJobs().filter(isPlan);
    const applies = allJobs().filter((job) => modeOf(job) !== undefined && !isPlan(job));
    expect(plans.length).toBeGreaterThan(0);
    expect(applies.length).toBeGreaterThan(0);
    const planLabels = new Set(plans.flatMap(labelsOf));
    const applyLabels = new Set(applies.flatMap(labelsOf));
    for (const job of applies) expect(labelsOf(job).some((label) => !planLabels.has(label)), labelsOf(job).join()).toBe(true);
    for (const job of plans) expect(labelsOf(job).some((label) => !applyLabels.has(label)), labelsOf(job).join()).toBe(true);
  });

  it('applies on a push to the default branch behind the offboarding environment and keeps the results', () => {
    const flow = workflow(text('offboarding-apply.yml'));
    expect(flow.on).toEqual({ push: { branches: ['main'], paths: ['offboarding/**.csv'] } });
    expect(withOf('offboarding-apply.yml')).toMatchObject({ mode: 'apply', select: 'changed' });
    expect(onlyJob('offboarding-apply.yml').environment).toBe('offboarding');
  });

  it('applies the rows that are due every night behind the offboarding environment', () => {
    const flow = workflow(text('offboarding-nightly.yml'));
    expect(Object.keys(flow.on)).toEqual(['schedule']);
    expect(flow.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }]);
    expect(withOf('offboarding-nightly.yml')).toMatchObject({ mode: 'apply', select: 'due' });
    expect(onlyJob('offboarding-nightly.yml').environment).toBe('offboarding');
  });

  it('offboards in stages, the nightly run applying each stage as it comes due', () => {
    const given = withOf('offboarding-nightly.yml');
    expect(given.steps).toBeUndefined();
    const parsed = parseInputs({ stages: String(given.stages), 'ldap-disabled-ou': 'OU=Disabled Users,DC=corp,DC=contoso,DC=test' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.inputs?.stages?.map((stage) => stage.offset)).toEqual(['0d', '30d', '90d']);
  });

  it('offers a manual run with the leavers, plan or apply (plan by default), and a reason', () => {
    const flow = workflow(text('offboarding-manual.yml'));
    const inputs = (flow.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> }).inputs;
    expect(Object.keys(inputs)).toEqual(['users', 'mode', 'reason']);
    expect(inputs.users).toMatchObject({ type: 'string', required: true });
    expect(inputs.mode).toMatchObject({ type: 'choice', options: ['plan', 'apply'], default: 'plan' });
    expect(inputs.reason).toMatchObject({ type: 'string' });
  });

  it('plans first in a manual run, and applies in the same run after the plan, only when apply was chosen', () => {
    const { plan, apply } = workflow(text('offboarding-manual.yml')).jobs;
    const withIn = (job: WorkflowJob) => job.steps.find((step) => step.id === 'offboard')?.with ?? {};
    expect(withIn(plan)).toMatchObject({ mode: 'plan', users: '${{ inputs.users }}' });
    expect(withIn(apply)).toMatchObject({ mode: 'apply', users: '${{ inputs.users }}' });
    expect(withIn(apply).steps).toBe(withIn(plan).steps);
    expect(apply.needs).toBe('plan');
    expect(apply.if).toBe("inputs.mode == 'apply'");
    expect(plan.environment).toBe('offboarding-plan');
    expect(apply.environment).toBe('offboarding');
  });

  it.each(['offboarding-apply.yml', 'offboarding-nightly.yml', 'offboarding-manual.yml', UNDO])(
    '%s uploads the results file of the apply, named by run id, even when the action failed, for 400 days',
    (name) => {
      const { apply } = workflow(text(name)).jobs;
      const upload = apply.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
      const offboard = apply.steps.findIndex((step) => step.id === 'offboard');
      expect(offboard).toBeGreaterThanOrEqual(0);
      expect(apply.steps.indexOf(upload as WorkflowStep)).toBeGreaterThan(offboard);
      expect(upload?.if).toBe(UPLOAD_IF);
      expect(upload?.with).toMatchObject({
        name: 'offboarding-results-${{ github.run_id }}-${{ github.run_attempt }}',
        path: expect.stringContaining('steps.offboard.outputs.results-file'),
        'retention-days': 400,
      });
    },
  );

  describe('the undo', () => {
    const flow = workflow(text(UNDO));
    const { plan, apply } = flow.jobs;
    const stepIndex = (job: WorkflowJob, match: (step: WorkflowStep) => boolean): number => job.steps.findIndex(match);
    const isDownload = (step: WorkflowStep): boolean => step.uses?.startsWith('actions/download-artifact@') ?? false;

    it('takes the run id, its attempt and a reason by workflow_dispatch', () => {
      expect(Object.keys(flow.on)).toEqual(['workflow_dispatch']);
      const inputs = (flow.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> }).inputs;
      expect(Object.keys(inputs)).toEqual(['run-id', 'attempt', 'reason']);
      expect(inputs['run-id']).toMatchObject({ type: 'string', required: true });
      expect(inputs.attempt).toMatchObject({ type: 'string', default: '1' });
      expect(inputs.reason).toMatchObject({ type: 'string', required: true });
    });

    it.each(['plan', 'apply'])('downloads in the %s job the record of the given run, and undoes from it', (id) => {
      const job = flow.jobs[id] as WorkflowJob;
      const download = job.steps.find(isDownload);
      expect(download?.with).toEqual({
        name: 'offboarding-results-${{ inputs.run-id }}-${{ inputs.attempt }}',
        'run-id': '${{ inputs.run-id }}',
        'github-token': '${{ github.token }}',
        path: 'offboarding-record',
      });
      const offboard = job.steps.find((step) => step.id === 'offboard');
      expect(offboard?.with?.['undo-from']).toBe('offboarding-record/offboarding-results.json');
      // The current CSV: a row still due is not undone (still-requested).
      expect(offboard?.with?.csv).toBe('offboarding/*.csv');
      expect(stepIndex(job, isDownload)).toBeLessThan(stepIndex(job, (step) => step.id === 'offboard'));
    });

    it.each(['plan', 'apply'])('checks in the %s job that the run id and attempt are numbers before anything else, from env', (id) => {
      const job = flow.jobs[id] as WorkflowJob;
      const check = job.steps[0] as WorkflowStep;
      expect(check.env).toEqual({ RUN_ID: '${{ inputs.run-id }}', ATTEMPT: '${{ inputs.attempt }}' });
      const script = check.run ?? '';
      expect(runScript(script, { RUN_ID: '17345678901', ATTEMPT: '1' })).toBe(0);
      for (const [runId, attempt] of [
        ['1; touch /tmp/x', '1'],
        ['$(id)', '1'],
        ['', '1'],
        ['0', '1'],
        ['123', '1 2'],
        ['123', ''],
        ['12345678901234567890123', '1'],
      ]) {
        expect(runScript(script, { RUN_ID: runId as string, ATTEMPT: attempt as string }), `${runId} / ${attempt}`).not.toBe(0);
      }
    }, 60_000);

    it('plans with the planner identity, then applies after the plan in the protected environment', () => {
      expect(plan.steps.find((step) => step.id === 'offboard')?.with?.mode).toBe('plan');
      expect(apply.steps.find((step) => step.id === 'offboard')?.with?.mode).toBe('apply');
      expect(plan.environment).toBe('offboarding-plan');
      expect(apply.environment).toBe('offboarding');
      expect(apply.needs).toBe('plan');
      expect(apply.if).toBeUndefined();
    });

    it('queues with every workflow that changes accounts', () => {
      expect(flow.concurrency).toEqual(workflow(text('offboarding-apply.yml')).concurrency);
    });
  });
});

describe('the checks of the example workflows', () => {
  const original = text('offboarding-apply.yml');

  it('start from a copy that passes them', async () => {
    expect(await workflowErrors('copy.yml', original)).toEqual([]);
    expect(unknownInputs(original)).toEqual([]);
  });

  it('reject a misspelt key', async () => {
    const broken = original.replace('    runs-on:', '    runs_on:');
    expect(broken).not.toBe(original);
    expect((await workflowErrors('copy.yml', broken)).join('\n')).toMatch(/Unexpected value 'runs_on'/);
  });

  it('reject an expression that does not parse', async () => {
    const broken = original.replace('${{ vars.LDAP_URL }}', '${{ vars.LDAP_URL == }}');
    expect(broken).not.toBe(original);
    expect((await workflowErrors('copy.yml', broken)).join('\n')).toMatch(/Unexpected end of expression/);
  });

  it('reject a context that does not exist', async () => {
    const broken = original.replace('${{ secrets.LDAP_PASSWORD }}', '${{ secret.LDAP_PASSWORD }}');
    expect(broken).not.toBe(original);
    expect((await workflowErrors('copy.yml', broken)).join('\n')).toMatch(/Unrecognized named-value: 'secret'/);
  });

  it('reject a cron schedule that is not one', async () => {
    const broken = text('offboarding-nightly.yml').replace(/cron: '[^']+'/, "cron: 'every night'");
    expect((await workflowErrors('copy.yml', broken)).join('\n')).toMatch(/Invalid cron expression/);
  });

  it('reject a job that reads a secret without an environment, or a secret in the workflow env', () => {
    const flow = workflow(original);
    delete flow.jobs.apply.environment;
    expect(secretsWithoutEnvironment(flow)).toEqual(['apply']);
    expect(secretsWithoutEnvironment({ ...workflow(original), env: { TOKEN: '${{ secrets.LDAP_PASSWORD }}' } })).toEqual(['env']);
  });

  it('reject an apply outside the protected environment, and a mode that is an expression there', () => {
    const flow = workflow(original);
    flow.jobs.apply.environment = 'offboarding-plan';
    expect(wrongEnvironments(flow)).toEqual(['apply']);
    const plan = workflow(text('offboarding-plan.yml'));
    const step = plan.jobs.plan.steps.find((s) => s.id === 'offboard');
    if (step?.with) step.with.mode = '${{ inputs.mode }}';
    expect(wrongEnvironments(plan)).toEqual(['plan']);
  });

  it('reject a tag, a short SHA or a SHA without its version comment', () => {
    const pinned = original.split('\n').find((line) => line.includes('actions/checkout@')) ?? '';
    expect(unpinnedUses(pinned)).toEqual([]);
    expect(unpinnedUses('      - uses: actions/checkout@v5')).toHaveLength(1);
    expect(unpinnedUses('      - uses: actions/checkout@08c6903 # v5.0.0')).toHaveLength(1);
    expect(unpinnedUses(pinned.replace(/\s+#.*$/, ''))).toHaveLength(1);
  });

  it('reject a checkout that keeps the credentials', () => {
    const flow = workflow(original);
    const checkout = flow.jobs.apply.steps.find((step) => step.uses?.startsWith('actions/checkout@'));
    delete checkout?.with?.['persist-credentials'];
    expect(persistedCredentials(flow)).toEqual(['apply']);
  });

  it('reject an expression in a run: script', () => {
    const flow = workflow(text(UNDO));
    const check = flow.jobs.plan.steps[0] as WorkflowStep;
    check.run = 'echo "${{ inputs.run-id }}"';
    expect(expressionsInScripts(flow)).toEqual([check.name]);
  });

  it('reject a with: key that is not an input of the action', () => {
    const broken = original.replace('          max-users: 25\n', '          max-users: 25\n          max_users: 25\n');
    expect(broken).not.toBe(original);
    expect(unknownInputs(broken)).toEqual(['max_users']);
  });
});

describe('action.yml', () => {
  it("has no error for GitHub's action parser", () => {
    const parsed = parseAction({ name: 'action.yml', content: ACTION_TEXT }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
  });
});
