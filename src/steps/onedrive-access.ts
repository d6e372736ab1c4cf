// onedrive-access: the delegate becomes a site collection admin of the leaver's OneDrive (existing admins stay).
import { z } from 'zod';
import { isGraphError, type GraphApi } from '../connectors/types.js';
import { CommandLog } from './ps-commands.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';
import { changedSince, notRecorded, recordedStrings, sameText, without } from './reverse-record.js';

/** The OneDrive site of a drive's webUrl (`…/personal/jdoe_contoso_com/Documents` → `…/personal/jdoe_contoso_com`). */
export function oneDriveSiteUrl(webUrl: string): string {
  return webUrl.replace(/\/+$/, '').replace(/\/Documents$/i, '');
}

// Get-PnPSiteCollectionAdmin returns SharePoint users: LoginName `i:0#.f|membership|<upn>`, Email, Title.
function adminNames(output: unknown[]): string[] {
  return output.flatMap((entry) => {
    const user = (entry ?? {}) as Record<string, unknown>;
    const login = typeof user.LoginName === 'string' ? user.LoginName.split('|').pop() : undefined;
    return [login, user.Email, user.UserPrincipalName].filter((v): v is string => typeof v === 'string' && v !== '');
  });
}

const CMDLETS = ['Get-PnPSiteCollectionAdmin', 'Set-PnPTenantSite', 'Remove-PnPSiteCollectionAdmin'] as const;

const driveShape = z.object({ webUrl: z.string().optional() });

const driveKey = (userId: string): string => `onedrive-access:drive:${userId}`;

// Graph has two answers for a user without a OneDrive: 404 "User's mysite not found." (licensed, the site not created
// yet) and 400 "Unable to retrieve user's mysite URL." (no mysite at all, e.g. never licensed for one); its error code
// for the 400 varies between reports (BadRequest, UnknownError), the message does not. Sources: OneDrive/onedrive-api-docs#530,
// microsoftgraph/microsoft-graph-docs#1354 and #11344, skilion/onedrive#276.
const NO_MYSITE = /Unable to retrieve user's mysite URL/i;

function isNoOneDrive(error: unknown): boolean {
  return isGraphError(error, 404) || (isGraphError(error, 400) && NO_MYSITE.test(error.message));
}

/** The user's drive URL (undefined: no OneDrive), or the error to fail that user with; never rejects. */
async function readDrive(graph: GraphApi, userId: string): Promise<{ webUrl?: string } | { error: unknown }> {
  try {
    const { webUrl } = await graph.call({ method: 'GET', path: '/users/{id}/drive', params: { id: userId }, query: { select: ['webUrl'] }, schema: driveShape });
    return { webUrl };
  } catch (error) {
    if (isNoOneDrive(error)) return { webUrl: undefined };
    return { error };
  }
}

/**
 * The cmdlet reads the site of its connection: the worker opens one to the OneDrive, and the reads after the first (a
 * re-check or read-back, which the command log sends as continuing work) go out next, on the session that holds it.
 */
async function siteAdmins(commands: CommandLog<'Get-PnPSiteCollectionAdmin'>, site: string): Promise<string[]> {
  const { output } = await commands.invoke('Get-PnPSiteCollectionAdmin', {}, { site, retry: 'read' });
  return [...new Set(adminNames(output).map((name) => name.toLowerCase()))];
}

export const onedriveAccess = defineStep({
  name: 'onedrive-access',
  description: "makes the delegate a site collection admin of the leaver's OneDrive",
  byDefault: true,
  needs: ['entra', 'sharepoint'],
  permissions: {
    graph: [['Files.Read.All'], ['Files.ReadWrite.All'], ['Sites.Read.All'], ['Sites.ReadWrite.All']],
    sharepoint: [['Sites.FullControl.All']],
    reads: {
      graph: [['Files.Read.All'], ['Files.ReadWrite.All'], ['Sites.Read.All'], ['Sites.ReadWrite.All']],
      sharepoint: [['Sites.Read.All'], ['Sites.FullControl.All']],
    },
    notes: 'GET /users/{id}/drive for the OneDrive URL; SharePoint: Sites.FullControl.All (SharePoint API) for Set-PnPTenantSite.',
  },
  reversible: true,
  cmdlets: { sharepoint: CMDLETS },
  prepare({ people, connectors, shared }) {
    const { graph } = connectors;
    if (!graph || !connectors.sharepoint) return;
    for (const person of people) {
      const id = person.entra?.id;
      if (id && person.delegate.userPrincipalName) void shared.once(driveKey(id), () => readDrive(graph, id));
    }
  },
  async observe({ person, connectors, shared }) {
    const user = person.entra;
    const graph = connectors.graph;
    const sharepoint = connectors.sharepoint;
    const delegate = person.delegate.userPrincipalName;
    if (person.delegate.source === 'none' || !delegate) return { kind: 'skipped', reason: 'no delegate found' };

    const drive = await shared.once(driveKey(user.id), () => readDrive(graph, user.id));
    if ('error' in drive) throw drive.error;
    const { webUrl } = drive;
    if (!webUrl) return { kind: 'skipped', reason: 'no OneDrive' };
    const site = oneDriveSiteUrl(webUrl);

    const commands = new CommandLog(sharepoint, CMDLETS);
    const admins = await siteAdmins(commands, site);
    if (admins.includes(delegate.toLowerCase())) {
      return { kind: 'unchanged', before: { site, siteCollectionAdmins: admins } };
    }
    return {
      kind: 'change',
      before: { site, siteCollectionAdmins: admins },
      after: { site, siteCollectionAdmins: [...admins, delegate.toLowerCase()], added: delegate },
      async apply() {
        await commands.invoke(
          'Set-PnPTenantSite',
          { Identity: site, Owners: [delegate] },
          // Adding an admin twice is harmless, but only a missing one is added again after a lost session.
          { retry: async () => !(await siteAdmins(commands, site)).includes(delegate.toLowerCase()) },
        );
        return commands.outcome();
      },
      verify: async () =>
        expectState({ siteCollectionAdmin: true }, { siteCollectionAdmin: (await siteAdmins(commands, site)).includes(delegate.toLowerCase()) }),
    };
  },
  // Only the admin the run added: the one the record's two lists differ by. Admins who were there before stay.
  async reverse({ connectors, record }) {
    const sharepoint = connectors.sharepoint;
    const site = record.before?.site;
    const [was, left] = [recordedStrings(record.before, 'siteCollectionAdmins'), recordedStrings(record.after, 'siteCollectionAdmins')];
    if (typeof site !== 'string' || !was || !left) return notRecorded('site collection admins');
    const [who] = [...without(left, was, sameText), ...without(was, left, sameText)];
    if (!who) return { kind: 'skipped', reason: 'the record shows no admin added or removed' };
    const wanted = was.some((admin) => sameText(admin, who));
    const commands = new CommandLog(sharepoint, CMDLETS);
    const admins = await siteAdmins(commands, site);
    const isAdmin = (list: string[]) => list.some((admin) => sameText(admin, who));
    if (isAdmin(admins) === wanted) return changedSince(`site collection admin ${who}`, wanted, !wanted, wanted);
    const after = wanted ? [...admins, who.toLowerCase()] : admins.filter((admin) => !sameText(admin, who));
    return {
      kind: 'change',
      before: { site, siteCollectionAdmins: admins },
      after: { site, siteCollectionAdmins: after, ...(wanted ? { added: who } : { removed: who }) },
      async apply() {
        const retry = async () => isAdmin(await siteAdmins(commands, site)) !== wanted;
        if (wanted) await commands.invoke('Set-PnPTenantSite', { Identity: site, Owners: [who] }, { retry });
        // The cmdlet works on the site of its connection (https://pnp.github.io/powershell/cmdlets/Remove-PnPSiteCollectionAdmin.html).
        else await commands.invoke('Remove-PnPSiteCollectionAdmin', { Owners: [who] }, { site, retry });
        return commands.outcome();
      },
      verify: async () => expectState({ siteCollectionAdmin: wanted }, { siteCollectionAdmin: isAdmin(await siteAdmins(commands, site)) }),
    };
  },
});
