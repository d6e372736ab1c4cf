// Cmdlet parameters as the Exchange and SharePoint endpoints receive them: a JSON object, names without regard to case.
import { isObject } from './jwt.js';

/** A cmdlet call that cannot run: the error kind (an exception type name) and its message. */
export class CmdletError extends Error {
  constructor(
    readonly status: number,
    readonly exception: string,
    message: string,
  ) {
    super(message);
  }
}

export class Parameters {
  private readonly values = new Map<string, unknown>();

  /**
   * `modelled` are the parameters the simulator acts on (or may safely ignore). Any other one is refused rather than
   * silently dropped, so that a caller never believes a setting took effect when it did not.
   */
  constructor(cmdlet: string, raw: unknown, modelled: string[]) {
    if (raw !== undefined && raw !== null && !isObject(raw)) {
      throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', 'Parameters must be a JSON object.');
    }
    for (const [name, value] of Object.entries(raw ?? {})) {
      const canonical = modelled.find((a) => a.toLowerCase() === name.replace(/^-/, '').toLowerCase());
      if (!canonical) {
        throw new CmdletError(400, 'System.NotSupportedException', `The simulator does not model parameter '${name}' of ${cmdlet}.`);
      }
      this.values.set(canonical, value);
    }
  }

  has(name: string): boolean {
    return this.values.has(name) && this.values.get(name) !== null;
  }

  /** Whether the call names the parameter at all, $null included (which clears a value). */
  given(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot convert the value of parameter '${name}' to the type 'System.String'.`);
  }

  required(name: string): string {
    const v = this.string(name);
    if (v === undefined || v.trim() === '') {
      throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot process command because of one or more missing mandatory parameters: ${name}.`);
    }
    return v;
  }

  /** A string or an array of strings; a comma-separated string is split, as PowerShell binds `-Owners a,b`. */
  list(name: string): string[] | undefined {
    const v = this.values.get(name);
    if (v === undefined || v === null) return undefined;
    const items = Array.isArray(v) ? v : [v];
    return items
      .flatMap((i) => (typeof i === 'string' ? i.split(',') : [String(i)]))
      .map((s) => s.trim())
      .filter(Boolean);
  }

  boolean(name: string): boolean | undefined {
    const v = this.values.get(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false|\$true|\$false)$/i.test(v)) return /true/i.test(v);
    throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot convert value "${String(v)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`);
  }
}

/** The first of `names` present in raw parameters, as a string: what a log names the target by before resolving it. */
export function identityHint(raw: unknown, names: string[]): string | undefined {
  if (!isObject(raw)) return undefined;
  for (const [k, v] of Object.entries(raw)) {
    if (names.some((n) => n.toLowerCase() === k.toLowerCase()) && (typeof v === 'string' || typeof v === 'number')) return String(v);
  }
  return undefined;
}
