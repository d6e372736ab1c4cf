// OData $filter parsing and evaluation for the subset Microsoft Graph's directory supports, with Graph's errors.

type Literal = string | number | boolean | null;

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'cmp'; op: 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge'; property: string; value: Literal }
  | { type: 'in'; property: string; values: Literal[] }
  | { type: 'func'; name: 'startswith' | 'endswith'; property: string; value: Literal };

/** A $filter the service refuses; `code` is Graph's error code for it. */
export class ODataError extends Error {
  constructor(
    readonly code: 'BadRequest' | 'Request_UnsupportedQuery',
    message: string,
  ) {
    super(message);
  }
}

type Token =
  | { kind: 'punct'; value: '(' | ')' | ','; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'word'; value: string; pos: number }
  | { kind: 'end'; pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', value: ch, pos: i });
      i++;
    } else if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new ODataError('BadRequest', `Invalid filter clause: There is an unterminated string literal at position ${start} in '${text}'.`);
        }
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'string', value, pos: start });
    } else if (/[A-Za-z0-9_.\-+/$@]/.test(ch)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_.\-+/$@:]/.test(text[i])) i++;
      tokens.push({ kind: 'word', value: text.slice(start, i), pos: start });
    } else {
      throw new ODataError('BadRequest', `Invalid filter clause: Syntax error: character '${ch}' is not valid at position ${i} in '${text}'.`);
    }
  }
  tokens.push({ kind: 'end', pos: text.length });
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'lt', 'gt', 'le', 'ge']);

/** Parses a $filter expression (already URL-decoded). */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let p = 0;
  const peek = (): Token => tokens[p];
  const syntax = (t: Token): ODataError => new ODataError('BadRequest', `Invalid filter clause: Syntax error at position ${t.pos} in '${text}'.`);
  const isWord = (t: Token, w: string): boolean => t.kind === 'word' && t.value.toLowerCase() === w;
  const expectPunct = (v: '(' | ')' | ','): void => {
    const t = peek();
    if (t.kind !== 'punct' || t.value !== v) throw syntax(t);
    p++;
  };

  const literal = (): Literal => {
    const t = peek();
    p++;
    if (t.kind === 'string') return t.value;
    if (t.kind === 'word') {
      const w = t.value.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
      if (/^-?\d+(\.\d+)?$/.test(t.value)) return Number(t.value);
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t.value)) return t.value;
    }
    throw syntax(t);
  };

  const propertyName = (): string => {
    const t = peek();
    if (t.kind !== 'word' || !/^[A-Za-z_][A-Za-z0-9_/]*$/.test(t.value)) {
      if (t.kind === 'string' || (t.kind === 'word' && /^[-\d]/.test(t.value))) {
        throw new ODataError('Request_UnsupportedQuery', 'Unsupported Query.');
      }
      throw syntax(t);
    }
    p++;
    return t.value;
  };

  const primary = (): FilterNode => {
    const t = peek();
    if (t.kind === 'punct' && t.value === '(') {
      p++;
      const inner = or();
      expectPunct(')');
      return inner;
    }
    const next = tokens[p + 1];
    if (t.kind === 'word' && next?.kind === 'punct' && next.value === '(') {
      const name = t.value.toLowerCase();
      if (name !== 'startswith' && name !== 'endswith') {
        throw new ODataError('Request_UnsupportedQuery', `Unsupported Query Filter function: '${t.value}'.`);
      }
      p += 2;
      const property = propertyName();
      expectPunct(',');
      const value = literal();
      expectPunct(')');
      return { type: 'func', name, property, value };
    }
    const property = propertyName();
    const op = peek();
    if (op.kind === 'word' && COMPARISONS.has(op.value.toLowerCase())) {
      p++;
      return { type: 'cmp', op: op.value.toLowerCase() as 'eq', property, value: literal() };
    }
    if (isWord(op, 'in')) {
      p++;
      expectPunct('(');
      const values: Literal[] = [literal()];
      while (peek().kind === 'punct' && (peek() as { value: string }).value === ',') {
        p++;
        values.push(literal());
      }
      expectPunct(')');
      return { type: 'in', property, values };
    }
    throw syntax(op);
  };

  const unary = (): FilterNode => {
    if (isWord(peek(), 'not')) {
      p++;
      return { type: 'not', operand: unary() };
    }
    return primary();
  };

  const and = (): FilterNode => {
    let left = unary();
    while (isWord(peek(), 'and')) {
      p++;
      left = { type: 'and', left, right: unary() };
    }
    return left;
  };

  const or = (): FilterNode => {
    let left = and();
    while (isWord(peek(), 'or')) {
      p++;
      left = { type: 'or', left, right: and() };
    }
    return left;
  };

  const tree = or();
  if (peek().kind !== 'end') throw syntax(peek());
  return tree;
}

/** How an entity's properties may be filtered: `true` always, `'advanced'` only with ConsistencyLevel: eventual. */
export interface FilterSchema {
  typeName: string;
  resourceName: string;
  properties: Record<string, { filter: boolean | 'advanced' }>;
}

/** Rejects what Graph rejects: unknown or unfilterable properties, advanced operators without advanced queries, too many clauses. */
export function checkFilter(node: FilterNode, schema: FilterSchema, advanced: boolean): FilterNode {
  let clauses = 0;
  let hasOr = false;
  const canonical = (prop: string): string => {
    const name = Object.keys(schema.properties).find((k) => k.toLowerCase() === prop.toLowerCase());
    if (!name) throw new ODataError('BadRequest', `Could not find a property named '${prop}' on type '${schema.typeName}'.`);
    const rule = schema.properties[name].filter;
    if (rule === false || (rule === 'advanced' && !advanced)) {
      throw new ODataError('Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${name}' of resource '${schema.resourceName}'.`);
    }
    return name;
  };
  const needsAdvanced = (what: string): void => {
    if (!advanced) throw new ODataError('Request_UnsupportedQuery', `Unsupported filter operator '${what}' without advanced query capabilities.`);
  };
  const walk = (n: FilterNode): FilterNode => {
    switch (n.type) {
      case 'and':
        return { ...n, left: walk(n.left), right: walk(n.right) };
      case 'or':
        hasOr = true;
        return { ...n, left: walk(n.left), right: walk(n.right) };
      case 'not':
        needsAdvanced('not');
        return { ...n, operand: walk(n.operand) };
      case 'cmp':
        clauses++;
        if (n.op !== 'eq') needsAdvanced(n.op);
        return { ...n, property: canonical(n.property) };
      case 'in':
        clauses += n.values.length;
        hasOr = true;
        return { ...n, property: canonical(n.property) };
      case 'func':
        clauses++;
        if (n.name === 'endswith') needsAdvanced('endswith');
        return { ...n, property: canonical(n.property) };
    }
  };
  const checked = walk(node);
  if (hasOr && clauses > 15) {
    throw new ODataError('Request_UnsupportedQuery', `Too many child clauses specified in search filter expression containing 'OR' operators: ${clauses}. Max allowed: 15.`);
  }
  return checked;
}

function same(a: unknown, b: Literal): boolean {
  if (b === null) return a === null || a === undefined;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

function order(a: unknown, b: Literal): number | undefined {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase().localeCompare(b.toLowerCase());
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return undefined;
}

/** Evaluates a checked filter against one entity. Directory string comparisons are case-insensitive. */
export function evaluate(node: FilterNode, get: (property: string) => unknown): boolean {
  switch (node.type) {
    case 'and':
      return evaluate(node.left, get) && evaluate(node.right, get);
    case 'or':
      return evaluate(node.left, get) || evaluate(node.right, get);
    case 'not':
      return !evaluate(node.operand, get);
    case 'in':
      return node.values.some((v) => same(get(node.property), v));
    case 'func': {
      const v = get(node.property);
      if (typeof v !== 'string' || typeof node.value !== 'string') return false;
      const a = v.toLowerCase();
      const b = node.value.toLowerCase();
      return node.name === 'startswith' ? a.startsWith(b) : a.endsWith(b);
    }
    case 'cmp': {
      const v = get(node.property);
      if (node.op === 'eq') return same(v, node.value);
      if (node.op === 'ne') return !same(v, node.value);
      const c = order(v, node.value);
      if (c === undefined) return false;
      return node.op === 'lt' ? c < 0 : node.op === 'gt' ? c > 0 : node.op === 'le' ? c <= 0 : c >= 0;
    }
  }
}
