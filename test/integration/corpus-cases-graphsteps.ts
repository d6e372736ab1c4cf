// Corpus cases for entra-groups: a leaver in every kind of group, one named like an injection; nothing else changes.
import type { CorpusCase } from './corpus-cases.js';
import { HOSTILE_GROUP } from './graph-steps-fixture.js';

/** The groups entra-groups takes lea out of: Microsoft 365 and security groups by Graph, mail-enabled ones by Exchange. */
const LEFT = ['Sales EMEA', 'Project X', 'Shared Board', HOSTILE_GROUP, 'All Staff', 'Finance Approvers'];

export const GRAPH_STEPS_CASES: CorpusCase[] = [
  {
    name: 'entra-groups takes a leaver out of every group it may, one named like an OData, markup and PowerShell injection, and leaves the bystander in all',
    fixture: 'graph-steps',
    csv: 'userPrincipalName\nlea@contoso.test\n',
    inputs: { steps: 'entra-groups', 'block-group': 'Offboarding Block' },
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done'] }],
    effects: [{ leftGroups: 'lea', groups: LEFT }],
  },
  {
    name: 'entra-groups plans the same leaver and changes nothing',
    fixture: 'graph-steps',
    csv: 'userPrincipalName\nlea@contoso.test\n',
    inputs: { steps: 'entra-groups', 'block-group': 'Offboarding Block', mode: 'plan' },
    exitCode: 0,
    users: [{ line: 2, status: 'planned', steps: ['planned'] }],
  },
];
