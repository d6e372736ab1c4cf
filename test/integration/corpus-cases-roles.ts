// Corpus cases for Entra role holders that /directoryRoles does not show: each is blocked, and nothing changes anywhere.
import type { CorpusCase } from './corpus-cases.js';

const STOPPED = ['blocked', 'blocked', 'blocked', 'blocked', 'blocked'] as const;
const blocked = (line: number) => ({ line, status: 'blocked' as const, code: 'directory-role', steps: [...STOPPED] });

export const ROLE_CASES: CorpusCase[] = [
  {
    name: 'an admin who is only PIM-eligible for Privileged Role Administrator is blocked in both directories',
    fixture: 'role-holders',
    csv: 'userPrincipalName\npim.admin@contoso.test\n',
    exitCode: 0,
    users: [blocked(2)],
  },
  {
    name: 'a holder of a custom role scoped to an administrative unit is blocked in both directories',
    fixture: 'role-holders',
    csv: 'sam\nau.helpdesk\n',
    exitCode: 0,
    users: [blocked(2)],
  },
  {
    name: 'the first and the 25th member of a role-assignable group holding Helpdesk Administrator are blocked',
    fixture: 'role-holders',
    csv: 'employeeId\nE9201\nE9225\n',
    exitCode: 0,
    users: [blocked(2), blocked(3)],
  },
  {
    name: 'a member of a group that is only PIM-eligible for Global Administrator is blocked',
    fixture: 'role-holders',
    csv: 'userPrincipalName\nbg.eligible@contoso.test\n',
    exitCode: 0,
    users: [blocked(2)],
  },
];
