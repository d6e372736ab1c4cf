// The example workflows are checked with GitHub's own workflow parser and against the inputs of action.yml.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples/workflows');
const ACTION_TEXT = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const ACTION_INPUTS = new Set(Object.keys((parse(ACTION_TEXT) as { inputs: Record<string, unknown> }).inputs));

interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
}
interface WorkflowJob {
  'runs-on': string | string[];
  environment?: string;
  steps: WorkflowStep[];
}
interface Workflow {
  on: Record<string, Record<string, unknown> | null>;
  concurrency: { group: string; 'cancel-in-progress'?: boolean; queue?: string };
  permissions: Record<string, string>;
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

const PERMISSIONS: Record<string, Record<string, string>> = {
  'offboarding-plan.yml': { contents: 'read', 'pull-requests': 'write' },
  'offboarding-apply.yml': { contents: 'read' },
  'offboarding-nightly.yml': { contents: 'read' },
  'offboarding-manual.yml': { contents: 'read' },
};

describe('the example workflows', () => {
  it('are the four documented ones', () => {
    expect(examples).toEqual(Object.keys(PERMISSIONS).sort());
  });

  describe.each(examples)('%s', (name) => {
    it("has no error for GitHub's workflow parser", async () => {
      expect(await workflowErrors(name, text(name))).toEqual([]);
    });

    it('calls the action once, by its major tag, with inputs that action.yml declares', () => {
      const steps = offboardSteps(workflow(text(name)));
      expect(steps.map((step) => step.uses)).toEqual(['contoso/m365-offboard@v1']);
      expect(Object.keys(steps[0].with ?? {}).length).toBeGreaterThan(0);
      expect(unknownInputs(text(name))).toEqual([]);
    });

    it('runs on a self-hosted runner', () => {
      expect(onlyJob(name)['runs-on']).toEqual(expect.arrayContaining(['self-hosted']));
    });

    it('queues its runs in a concurrency group and never cancels one in progress', () => {
      const { concurrency } = workflow(text(name));
      expect(concurrency.group).toMatch(/^offboarding-/);
      expect(concurrency['cancel-in-progress']).toBe(false);
    });

    it('asks for the least permissions it needs', () => {
      expect(workflow(text(name)).permissions).toEqual(PERMISSIONS[name]);
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

    it('runs the same steps as the other examples, so that a plan shows what apply does', () => {
      expect(withOf(name).steps).toBe(withOf('offboarding-apply.yml').steps);
    });
  });

  it('plans on pull requests that touch an offboarding CSV, without an environment', () => {
    const flow = workflow(text('offboarding-plan.yml'));
    expect(Object.keys(flow.on)).toEqual(['pull_request']);
    expect(flow.on.pull_request).toEqual({ paths: ['offboarding/**.csv'] });
    expect(withOf('offboarding-plan.yml').mode).toBe('plan');
    expect(onlyJob('offboarding-plan.yml').environment).toBeUndefined();
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

  it('offers a manual run with the leavers, plan or apply (plan by default), and a reason', () => {
    const flow = workflow(text('offboarding-manual.yml'));
    const inputs = (flow.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> }).inputs;
    expect(Object.keys(inputs)).toEqual(['users', 'mode', 'reason']);
    expect(inputs.users).toMatchObject({ type: 'string', required: true });
    expect(inputs.mode).toMatchObject({ type: 'choice', options: ['plan', 'apply'], default: 'plan' });
    expect(inputs.reason).toMatchObject({ type: 'string' });
    expect(withOf('offboarding-manual.yml')).toMatchObject({ mode: '${{ inputs.mode }}', users: '${{ inputs.users }}' });
    expect(onlyJob('offboarding-manual.yml').environment).toBe('offboarding');
  });

  it.each(['offboarding-apply.yml', 'offboarding-nightly.yml', 'offboarding-manual.yml'])(
    '%s uploads the results file even when the action failed',
    (name) => {
      const upload = onlyJob(name).steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
      expect(upload?.if).toBe('always()');
      expect(upload?.with?.path).toContain('steps.offboard.outputs.results-file');
      expect(onlyJob(name).steps.find((step) => step.id === 'offboard')).toBeDefined();
    },
  );
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
