// The whole test stack: PKI, the Samba AD DC, the Microsoft 365 simulator, pwsh and the stand-in modules, and their facts.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { baseFixture, type Fixture } from './fixture.js';
import { installStandInModules } from './modules.js';
import { ensurePwsh, pwshVersion } from './pwsh.js';
import { loadTenant, type LdapAdminFacts, type LoadedTenant, type SambaHandle, startSamba } from './samba.js';
import { SimulatorControl } from './simulator/control-client.js';
import { startSimulator, type Simulator } from './simulator/index.js';
import { createAppCertificate, createTestCa, issueServerCertificate } from './tls.js';

/** The app registration the action signs in as. Fixed, so that logs and fixtures can name it. */
const OFFBOARD_CLIENT_ID = '6b1f3c0e-2a7d-4e59-9c1b-8d4f0a3e5b27';

/** The planner's app registration: read permissions only, for plans. */
const PLANNER_CLIENT_ID = '0c6d2b9a-7f3e-4a18-b5d4-3e9f1a2c8d60';

/**
 * The planner app's application permissions: what resolve and the steps' reads need (the README's planner table), and
 * Exchange.ManageAsApp, which Exchange Online needs for any app-only session.
 */
export const PLANNER_ROLES = ['User.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All', 'Files.Read.All', 'Exchange.ManageAsApp', 'Sites.Read.All'];

/** Application permissions an administrator grants the offboarding app (admin consent). */
export const OFFBOARD_ROLES = [
  'User.Read.All',
  'User.EnableDisableAccount.All',
  'User.RevokeSessions.All',
  'GroupMember.ReadWrite.All',
  'Directory.Read.All',
  'RoleManagement.Read.Directory',
  'LicenseAssignment.ReadWrite.All',
  'Files.Read.All',
  'Exchange.ManageAsApp',
  'Sites.FullControl.All',
];

/** Everything a test needs to reach the stack; plain JSON, handed from the global setup to the test workers. */
export interface StackFacts {
  dir: string;
  /** PEM of the test CA that signed the DC's and the simulator's certificates. */
  caPem: string;
  caPath: string;
  ldap: {
    /** `ldaps://<address>:636` (StartTLS: `ldap://<address>:389`). */
    url: string;
    address: string;
    baseDn: string;
    /** The service account (least rights), as the action binds. */
    bindDn: string;
    bindPassword: string;
    /** The planner account: no delegation, read rights only. */
    plannerBindDn: string;
    plannerPassword: string;
    /** Domain administrator (RID 500), for seeding and for checking state behind the action's back. */
    adminDn: string;
    adminPassword: string;
    disabledOu: string;
    realm: string;
    upnSuffix: string;
    /** Whether the DC's schema has the Exchange attributes (test/stack/exchange-schema.ldif). */
    exchangeSchema: boolean;
  };
  simulator: {
    /** `https://localhost:<port>`: authority host, Graph endpoint and the modules' target. */
    url: string;
    tenantId: string;
    organization: string;
    sharepointAdminUrl: string;
    clientId: string;
    /** The planner app (read permissions only), with the same certificate registered. */
    plannerClientId: string;
    /** Registered certificate and its private key, as in the action's `certificate` input. */
    certificatePem: string;
    /** The same certificate with its key encrypted under `certificatePassword`. */
    encryptedCertificatePem: string;
    certificatePassword: string;
    /** Certificate and key the app does not know: sign-in must fail. */
    wrongCertificatePem: string;
  };
  pwsh: string;
  /** Folder holding the stand-in ExchangeOnlineManagement and PnP.PowerShell modules. */
  psModulePath: string;
  /** Milliseconds each part took to start (parts run side by side, so they add up to more than `total`). */
  startupMs: { pki: number; samba: number; simulator: number; pwsh: number; total: number };
}

export interface Stack {
  facts: StackFacts;
  samba: SambaHandle;
  simulator: Simulator;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Working folder. Default: a new temporary folder, removed by stop(). */
  dir?: string;
  /** Loopback address of the DC. Default: env STACK_DC_ADDRESS, else 127.0.0.10. */
  dcAddress?: string;
  /** Seeded into AD and loaded into the simulator. Default: the base fixture. */
  fixture?: Fixture;
  /** Extend the DC's schema with the Exchange attributes. Default: true. */
  exchangeSchema?: boolean;
}

/** A stack part that failed to start, named so that the run's failure says which. */
class StackStartError extends Error {
  constructor(
    readonly part: string,
    reason: unknown,
  ) {
    super(`test stack: ${part} did not start: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
    this.name = 'StackStartError';
  }
}

async function timed<T>(part: string, work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  try {
    const value = await work();
    return { value, ms: Math.max(1, Math.round(performance.now() - began)) };
  } catch (error) {
    throw new StackStartError(part, error);
  }
}

/** Starts every part of the stack; when one fails, the others are stopped and the error names the part. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const began = performance.now();
  const ownDir = !options.dir;
  const dir = path.resolve(options.dir ?? mkdtempSync(path.join(tmpdir(), 'm365-offboard-stack-')));
  mkdirSync(dir, { recursive: true });
  const dcAddress = options.dcAddress ?? process.env.STACK_DC_ADDRESS ?? '127.0.0.10';
  const fixture = options.fixture ?? baseFixture();

  const pki = await timed('PKI', async () => {
    const ca = createTestCa(path.join(dir, 'pki'));
    const simulatorCert = issueServerCertificate(ca, 'simulator', { dns: ['localhost'], ip: ['127.0.0.1'] });
    const appDir = path.join(dir, 'app');
    const app = createAppCertificate(appDir, 'offboard');
    const wrong = createAppCertificate(appDir, 'wrong');
    const certificatePassword = randomBytes(18).toString('base64url');
    const encryptedKey = createPrivateKey(app.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: certificatePassword });
    return { ca, simulatorCert, app, wrong, certificatePassword, encryptedCertificatePem: `${app.certPem.trim()}\n${String(encryptedKey).trim()}\n` };
  });
  const { ca, simulatorCert, app } = pki.value;

  // The DC (provisioning is the slow part), the simulator and pwsh start side by side.
  const parts = await Promise.allSettled([
    timed('Samba AD DC', () => startSamba({ dir: path.join(dir, 'samba'), address: dcAddress, ca, fixture, exchangeSchema: options.exchangeSchema })),
    timed('Microsoft 365 simulator', () =>
      startSimulator({
        tls: { certPem: simulatorCert.certPem, keyPem: simulatorCert.keyPem },
        tenantId: fixture.tenant.id,
        organization: fixture.tenant.organization,
        apps: [
          { clientId: OFFBOARD_CLIENT_ID, displayName: 'm365-offboard', certificatesPem: [app.certPem], roles: OFFBOARD_ROLES },
          { clientId: PLANNER_CLIENT_ID, displayName: 'm365-offboard-plan', certificatesPem: [app.certPem], roles: PLANNER_ROLES },
        ],
      }),
    ),
    timed('PowerShell', async () => {
      const pwsh = ensurePwsh();
      await pwshVersion(pwsh);
      return pwsh;
    }),
  ]);
  const [sambaPart, simulatorPart, pwshPart] = parts;
  const stopStarted = async () => {
    if (sambaPart.status === 'fulfilled') await sambaPart.value.value.stop().catch(() => undefined);
    if (simulatorPart.status === 'fulfilled') await simulatorPart.value.value.close().catch(() => undefined);
  };
  const failed = parts.find((p) => p.status === 'rejected');
  if (failed || sambaPart.status !== 'fulfilled' || simulatorPart.status !== 'fulfilled' || pwshPart.status !== 'fulfilled') {
    await stopStarted();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  const samba = sambaPart.value.value;
  const simulator = simulatorPart.value.value;

  let psModulePath: string;
  try {
    simulator.load(fixture, samba.seeded.sids);
    psModulePath = installStandInModules(path.join(dir, 'modules'), { simulatorUrl: simulator.url, caPem: ca.caPem });
  } catch (error) {
    await stopStarted();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw new StackStartError('stand-in PowerShell modules', error);
  }

  const facts: StackFacts = {
    dir,
    caPem: ca.caPem,
    caPath: ca.caCertPath,
    ldap: {
      url: samba.url,
      address: samba.address,
      baseDn: samba.baseDn,
      bindDn: samba.serviceAccount.dn,
      bindPassword: samba.serviceAccount.password,
      plannerBindDn: samba.plannerAccount.dn,
      plannerPassword: samba.plannerAccount.password,
      adminDn: samba.admin.adminDn,
      adminPassword: samba.admin.adminPassword,
      disabledOu: samba.disabledOu,
      realm: samba.realm,
      upnSuffix: samba.upnSuffix,
      exchangeSchema: samba.exchangeSchema,
    },
    simulator: {
      url: simulator.url,
      tenantId: fixture.tenant.id,
      organization: fixture.tenant.organization,
      sharepointAdminUrl: fixture.tenant.sharepointAdminUrl,
      clientId: OFFBOARD_CLIENT_ID,
      plannerClientId: PLANNER_CLIENT_ID,
      certificatePem: app.combinedPem,
      encryptedCertificatePem: pki.value.encryptedCertificatePem,
      certificatePassword: pki.value.certificatePassword,
      wrongCertificatePem: pki.value.wrong.combinedPem,
    },
    pwsh: pwshPart.value.value,
    psModulePath,
    startupMs: {
      pki: pki.ms,
      samba: sambaPart.value.ms,
      simulator: simulatorPart.value.ms,
      pwsh: pwshPart.value.ms,
      total: Math.round(performance.now() - began),
    },
  };

  return {
    facts,
    samba,
    simulator,
    async stop() {
      await stopStarted();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The administrator's connection facts, for `loadTenant` and `snapshotDirectory`. */
export function ldapAdmin(facts: StackFacts): LdapAdminFacts {
  return { url: facts.ldap.url, caPem: facts.caPem, adminDn: facts.ldap.adminDn, adminPassword: facts.ldap.adminPassword, baseDn: facts.ldap.baseDn };
}

/**
 * Puts both directories in the state of `fixture`: AD first (which gives the SIDs), then the simulator with those
 * SIDs as the hybrid users' onPremisesSecurityIdentifier. Callable from a test worker; the simulator's CA must be
 * trusted there (test/setup-trust.ts does that).
 */
export async function loadStackTenant(facts: StackFacts, fixture: Fixture): Promise<LoadedTenant> {
  const tenant = await loadTenant(ldapAdmin(facts), fixture);
  await new SimulatorControl(facts.simulator.url).load(fixture, tenant.sids);
  return tenant;
}
