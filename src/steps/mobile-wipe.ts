// mobile-wipe: an account-only wipe (the mailbox's data, not the phone) of each of the leaver's mobile devices, issued before the sessions are cut.
import { isExchangeNotFound } from '../connectors/powershell/errors.js';
import { defineStep } from './define.js';
import { namedCount } from './named-count.js';
import { CommandLog } from './ps-commands.js';
import { expectState } from './read-back.js';

const CMDLETS = ['Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Clear-MobileDevice'] as const;

type Commands = CommandLog<(typeof CMDLETS)[number]>;

/** A device's wipe as Exchange shows it: none, or an account-only or full wipe that is pending or acknowledged. */
type Wipe = 'none' | 'account-only pending' | 'account-only done' | 'device pending' | 'device done';

interface Device {
  identity: string;
  name: string;
  wipe: Wipe;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The wipe from the Wipe property set of Get-MobileDeviceStatistics: a request time without an acknowledgement is
 * pending until the device next syncs (https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomobiledevicestatistics-property-sets,
 * https://learn.microsoft.com/powershell/module/exchangepowershell/clear-mobiledevice). A full wipe takes the mailbox's
 * data with everything else, so it counts as done for this step.
 */
function wipeOf(statistics: Record<string, unknown> | undefined): Wipe {
  if (!statistics) return 'none';
  if (text(statistics.AccountOnlyDeviceWipeAckTime)) return 'account-only done';
  if (text(statistics.AccountOnlyDeviceWipeRequestTime)) return 'account-only pending';
  if (text(statistics.DeviceWipeAckTime)) return 'device done';
  if (text(statistics.DeviceWipeRequestTime)) return 'device pending';
  return 'none';
}

const records = (output: unknown[]): Record<string, unknown>[] =>
  output.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);

/** The wipe of each device of the mailbox, by identity. */
async function wipes(commands: Commands, mailbox: string): Promise<Map<string, Wipe>> {
  const { output } = await commands.invoke('Get-MobileDeviceStatistics', { Mailbox: mailbox }, { retry: 'read' });
  return new Map(records(output).map((statistics) => [text(statistics.Identity), wipeOf(statistics)]));
}

/** The mailbox's devices with their wipe; undefined when there is no mailbox. */
async function devices(commands: Commands, mailbox: string): Promise<Device[] | undefined> {
  let listed: Record<string, unknown>[];
  try {
    listed = records((await commands.invoke('Get-MobileDevice', { Mailbox: mailbox }, { retry: 'read' })).output);
  } catch (error) {
    if (isExchangeNotFound(error)) return undefined;
    throw error;
  }
  if (listed.length === 0) return [];
  const wiped = await wipes(commands, mailbox);
  return listed.map((device) => {
    const identity = text(device.Identity);
    return { identity, name: text(device.FriendlyName) || text(device.DeviceModel) || text(device.DeviceType) || identity, wipe: wiped.get(identity) ?? 'none' };
  });
}

export const mobileWipe = defineStep({
  name: 'mobile-wipe',
  description: "wipes the company data (account-only wipe: `Clear-MobileDevice -AccountOnly`) from each of the leaver's mobile devices, before the sessions are cut",
  byDefault: false,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role' } },
    notes: 'Exchange Online: Get-MobileDevice -Mailbox, Get-MobileDeviceStatistics -Mailbox, Clear-MobileDevice -AccountOnly; Exchange.ManageAsApp and the Exchange Recipient Administrator role for the app.',
  },
  // A wipe cannot be taken back once the device synced.
  reversible: false,
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors }) {
    const mailbox = person.entra.userPrincipalName;
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const found = await devices(commands, mailbox);
    if (!found) return { kind: 'skipped', reason: 'no mailbox' };
    const before = { devices: found.map(({ identity, name, wipe }) => ({ identity, name, wipe })) };
    if (found.length === 0) return { kind: 'unchanged', before, reason: 'no mobile devices' };
    const pending = found.filter((device) => device.wipe === 'none');
    if (pending.length === 0) return { kind: 'unchanged', before, reason: 'every device has a wipe requested already' };
    const targets = pending.map((device) => device.identity);
    const requested = async (): Promise<string[]> => {
      const now = await wipes(commands, mailbox);
      return targets.filter((identity) => (now.get(identity) ?? 'none') !== 'none');
    };
    return {
      kind: 'change',
      before,
      after: { devices: pending.map(({ identity, name }) => ({ identity, name, wipe: 'account-only pending' })) },
      reason: namedCount(pending.length, 'device', pending.map((device) => device.name)),
      async apply() {
        for (const identity of targets) {
          await commands.invoke('Clear-MobileDevice', { Identity: identity, AccountOnly: true, Confirm: false }, {
            // A lost session may have sent the wipe already: send it again only while none shows.
            retry: async () => (await wipes(commands, mailbox)).get(identity) === 'none',
          });
        }
        return commands.outcome();
      },
      verify: async () => expectState({ wipeRequested: targets }, { wipeRequested: await requested() }),
    };
  },
});
