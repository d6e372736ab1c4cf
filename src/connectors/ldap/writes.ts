// Directory writes: attribute changes, moves and group removals, each sent again after a drop only when that is safe.
import { Attribute, Change, escapeFilter, type Client } from 'ldapts';
import type { LdapChange } from '../types.js';
import { movedDn, normalizeDn } from './dn.js';
import { isEncrypted } from './connection.js';
import { isLdapError, LdapError, resultCode } from './errors.js';
import type { LdapSession } from './session.js';

export interface WriteOptions {
  bindDn: string;
  /** Whether an entry is at this DN now: how a move whose answer was lost learns whether it landed. */
  exists(dn: string): Promise<boolean>;
  stats: { searches: number; modifies: number };
}

export function createWrites(session: LdapSession, options: WriteOptions) {
  const { bindDn: bindName, stats } = options;

  async function modify(dn: string, changes: LdapChange[]): Promise<void> {
    const attributes = [...new Set(changes.map((c) => c.attribute))];
    const request = changes.map(
      (c) => new Change({ operation: c.operation, modification: new Attribute({ type: c.attribute, values: c.values }) }),
    );
    // A replace lands the same way twice, so it is sent again after a drop; an add or a delete of a value is not.
    const retry = changes.every((c) => c.operation === 'replace');
    await session.run({ what: `writing ${attributes.join(', ')} on ${dn}`, retry, write: { dn, attributes } }, async (bound) => {
      stats.modifies++;
      await bound.modify(dn, request);
    });
  }

  async function setPassword(dn: string, password: string): Promise<void> {
    // AD takes a password only as the quoted text in UTF-16LE, and only over an encrypted connection
    // (https://learn.microsoft.com/en-us/troubleshoot/windows-server/active-directory/set-user-password-with-ldifde).
    const value = Buffer.from(`"${password}"`, 'utf16le');
    const change = new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [value] }) });
    await session.run(
      {
        what: `setting the password of ${dn}`,
        // The same value lands the same way twice; the read-back of pwdLastSet tells whether it landed at all.
        retry: true,
        write: { dn, attributes: ['unicodePwd'] },
        denied: `${bindName} may not reset the password of ${dn}: delegate "Reset Password" on its OU to ${bindName}`,
      },
      async (bound) => {
        if (!isEncrypted(bound)) {
          throw new LdapError(`Refused to send the password of ${dn} over a connection that is not encrypted`, 'ldap-not-encrypted');
        }
        stats.modifies++;
        await bound.modify(dn, change);
      },
    );
  }

  async function move(dn: string, newParentDn: string): Promise<string> {
    const newDn = movedDn(dn, newParentDn);
    const send = () =>
      session.run(
        {
          what: `moving ${dn} to ${newParentDn}`,
          retry: false,
          write: { dn, attributes: ['distinguishedName'] },
          denied:
            `${bindName} may not move ${dn} to ${newParentDn}: delegate "Delete User objects" on its OU and ` +
            `"Create User objects" on ${newParentDn} to ${bindName}`,
        },
        async (bound) => {
          stats.modifies++;
          await bound.modifyDN(dn, newDn);
        },
      );
    try {
      await send();
    } catch (error) {
      // Not sent again blindly after a drop: once the first request landed, the old DN is gone and a second one fails.
      // Where the entry is now says whether it landed.
      if (!isLdapError(error, 'ldap-connection-lost')) throw error;
      if (await options.exists(newDn)) return newDn;
      if (!(await options.exists(dn))) throw error;
      await send();
    }
    return newDn;
  }

  async function removeGroupMember(groupDn: string, memberDn: string): Promise<void> {
    const change = new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn] }) });
    // Idempotent: a member already gone (removed by hand, or by a first request whose answer was lost) is success.
    await session.run(
      {
        what: `removing ${memberDn} from ${groupDn}`,
        retry: true,
        write: { dn: groupDn, attributes: ['member'] },
        denied: `${bindName} may not write member on ${groupDn}: delegate "Write Members" on the group's OU to ${bindName}`,
      },
      async (bound) => {
        stats.modifies++;
        try {
          await bound.modify(groupDn, change);
        } catch (error) {
          const code = resultCode(error);
          // 16 noSuchAttribute or 53 unwillingToPerform: how DCs refuse to delete a value that is not there.
          if ((code === 16 || code === 53) && !(await isMember(bound, groupDn, memberDn))) return;
          throw error;
        }
      },
    );
  }

  /** Asked on the same connection and place on the wire as the removal it explains. */
  async function isMember(bound: Client, groupDn: string, memberDn: string): Promise<boolean> {
    stats.searches++;
    const result = await bound.search(groupDn, {
      scope: 'base',
      filter: escapeFilter`(member=${normalizeDn(memberDn)})`,
      attributes: ['objectClass'],
    });
    return result.searchEntries.length > 0;
  }

  return { modify, setPassword, move, removeGroupMember };
}
