// auth-methods: deletes every authentication method of the leaver except the password, the default MFA method last.
import { z } from 'zod';
import { isGraphError, LIST_LIMITS, type GraphApi } from '../connectors/types.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';

const methodShape = z.object({
  '@odata.type': z.string(),
  id: z.string(),
  displayName: z.string().nullish(),
  phoneNumber: z.string().nullish(),
  phoneType: z.string().nullish(),
  emailAddress: z.string().nullish(),
});
type MethodRead = z.infer<typeof methodShape>;

/** A method the step deletes, as the record keeps it: phone numbers and mail addresses masked. */
interface Method {
  type: string;
  id: string;
  label: string;
}

const PASSWORD = '#microsoft.graph.passwordAuthenticationMethod';

/**
 * The collection each method type is deleted from, below `/users/{id}/authentication/`, and how the plan names it.
 * https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethods-overview lists the types; each has a
 * delete page, e.g. https://learn.microsoft.com/en-us/graph/api/fido2authenticationmethod-delete.
 */
const TYPES: Record<string, { collection: string; label: (m: MethodRead) => string }> = {
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': { collection: 'microsoftAuthenticatorMethods', label: (m) => named('Authenticator', m.displayName) },
  '#microsoft.graph.phoneAuthenticationMethod': { collection: 'phoneMethods', label: (m) => `phone ${m.phoneType ?? ''} ${maskPhone(m.phoneNumber ?? '')}`.replace(/ +/g, ' ') },
  '#microsoft.graph.fido2AuthenticationMethod': { collection: 'fido2Methods', label: (m) => named('FIDO2', m.displayName) },
  '#microsoft.graph.softwareOathAuthenticationMethod': { collection: 'softwareOathMethods', label: () => 'software OATH token' },
  '#microsoft.graph.emailAuthenticationMethod': { collection: 'emailMethods', label: (m) => `email ${maskMail(m.emailAddress ?? '')}` },
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': { collection: 'windowsHelloForBusinessMethods', label: (m) => named('Windows Hello', m.displayName) },
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': { collection: 'temporaryAccessPassMethods', label: () => 'Temporary Access Pass' },
};

const named = (kind: string, name: string | null | undefined): string => (name ? `${kind} (${name})` : kind);

/**
 * A phone number as the record shows it: its country code and last two digits (`+1 ••••••••55`). The record and the
 * plan comment outlive the account; the full number is personal data the run has no need to keep.
 */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  const country = /^\+\d{1,3}(?=\s)/.exec(number)?.[0];
  const rest = country ? digits.slice(country.length - 1) : digits;
  return `${country ? `${country} ` : ''}${'•'.repeat(Math.max(rest.length - 2, 0))}${rest.slice(-2)}`;
}

/** A mail address as the record shows it: the first character of the local part and the domain. */
export function maskMail(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '•••' : `${address[0]}•••${address.slice(at)}`;
}

const methodsKey = (userId: string): string => `auth-methods:${userId}`;

/** The user's methods besides the password; an unknown type fails the read rather than being left in place unsaid. */
async function readMethods(graph: GraphApi, userId: string): Promise<Method[]> {
  const read = await graph.list('/users/{id}/authentication/methods', { params: { id: userId }, schema: methodShape, maxItems: LIST_LIMITS.matches });
  const others = read.filter((m) => m['@odata.type'] !== PASSWORD);
  const unknown = others.filter((m) => !(m['@odata.type'] in TYPES)).map((m) => m['@odata.type']);
  if (unknown.length > 0) throw new Error(`authentication methods of a type the step cannot delete: ${[...new Set(unknown)].join(', ')}`);
  return others.map((m) => ({ type: m['@odata.type'], id: m.id, label: TYPES[m['@odata.type']].label(m) }));
}

// "A user can't have an alternateMobile number without a mobile number" (phoneauthenticationmethod-delete): the
// alternate goes first.
const ORDER = (m: Method): number => (m.label.startsWith('phone alternateMobile') ? 0 : 1);

// The default MFA method is refused while others remain ("If the phone number is the user's default Azure
// multi-factor authentication (MFA) authentication method, it can't be deleted",
// https://learn.microsoft.com/en-us/graph/api/phoneauthenticationmethod-delete; the service's text for any default
// method: "Cannot delete default method with other methods configured.", learn.microsoft.com/en-us/answers/questions/1337439).
const isDefaultRefusal = (error: unknown): boolean => isGraphError(error, 400) && /default method/i.test(error.message);

async function deleteMethod(graph: GraphApi, userId: string, method: Method): Promise<void> {
  try {
    await graph.call({
      method: 'DELETE',
      path: `/users/{id}/authentication/${TYPES[method.type].collection}/{methodId}`,
      params: { id: userId, methodId: method.id },
    });
  } catch (error) {
    // Gone already: an earlier try whose answer was lost, or the user removed it.
    if (!isGraphError(error, 404)) throw error;
  }
}

export const authMethods = defineStep({
  name: 'auth-methods',
  description: 'deletes every authentication method except the password (Authenticator, phone, FIDO2, OATH, email, Windows Hello, Temporary Access Pass)',
  byDefault: false,
  needs: ['entra'],
  permissions: {
    graph: [['UserAuthenticationMethod.ReadWrite.All']],
    reads: { graph: [['UserAuthenticationMethod.Read.All'], ['UserAuthenticationMethod.ReadWrite.All']] },
    notes: 'GET /users/{id}/authentication/methods, DELETE /users/{id}/authentication/<type>Methods/{id} for each method but the password.',
  },
  reversible: false,
  prepare({ people, connectors, shared }) {
    const { graph } = connectors;
    if (!graph) return;
    for (const person of people) {
      const id = person.entra?.id;
      if (id) void shared.once(methodsKey(id), () => readMethods(graph, id).then((methods) => ({ methods }), (error: unknown) => ({ error })));
    }
  },
  async observe({ person, connectors, shared }) {
    const user = person.entra;
    const graph = connectors.graph;
    const read = await shared.once(methodsKey(user.id), () => readMethods(graph, user.id).then((methods) => ({ methods }), (error: unknown) => ({ error })));
    if ('error' in read) throw read.error;
    const { methods } = read;
    if (methods.length === 0) return { kind: 'unchanged', before: { methods: [] }, reason: 'no authentication method besides the password' };
    const ordered = [...methods].sort((a, b) => ORDER(a) - ORDER(b));
    return {
      kind: 'change',
      before: { methods },
      after: { methods: [] },
      reason: `${methods.length} method${methods.length === 1 ? '' : 's'}: ${methods.map((m) => m.label).join(', ')}`,
      async apply() {
        const refused: Method[] = [];
        for (const method of ordered) {
          try {
            await deleteMethod(graph, user.id, method);
          } catch (error) {
            if (!isDefaultRefusal(error)) throw error;
            refused.push(method);
          }
        }
        // The default method, once it is the only one left.
        for (const method of refused) await deleteMethod(graph, user.id, method);
      },
      verify: async () => expectState({ methods: [] }, { methods: (await readMethods(graph, user.id)).map((m) => m.label) }),
    };
  },
});
