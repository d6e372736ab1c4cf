// OPATH filters of the Exchange recipient cmdlets (-Filter): parsed and evaluated against a recipient's properties.
//
// The syntax, from "Additional OPATH syntax information" (https://learn.microsoft.com/powershell/exchange/recipient-filters#additional-opath-syntax-information)
// and "Filters in the Exchange Online PowerShell module" (https://learn.microsoft.com/powershell/exchange/filters-v2):
// `Property -operator 'value'` comparisons (-eq, -ne, -like, -notlike), joined with -and, -or, -not and parentheses.
// Text values are enclosed in single quotation marks, and a single quotation mark inside one is escaped by doubling it
// (the Filter parameter's description: "instead of '$User', use '$($User -Replace "'","''")'"); PowerShell's quoting
// rules count ‘ ’ ‚ ‛ as single quotation marks too (about_Quoting_Rules), and a doubled one is one literal mark.
// Wildcards (*) only at the start or end of a -like value. What the parser cannot read is refused as Get-EXOMailbox
// refuses it: HTTP 400 "Invalid filter clause" (office-docs-powershell#10572).
import { CmdletError } from './cmdlet.js';

type Node =
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'not'; operand: Node }
  | { type: 'compare'; property: string; operator: 'eq' | 'ne' | 'like' | 'notlike'; value: string | null };

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: '(' | ')' };

const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";

function invalid(): CmdletError {
  return new CmdletError(400, 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException', 'Invalid filter clause');
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c });
      i++;
    } else if (SINGLE_QUOTES.includes(c) || c === '"') {
      const closes = (ch: string | undefined) => ch !== undefined && (c === '"' ? ch === '"' : SINGLE_QUOTES.includes(ch));
      let text = '';
      i++;
      for (;;) {
        if (i >= filter.length) throw invalid();
        if (closes(filter[i])) {
          if (closes(filter[i + 1])) {
            text += filter[i];
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += filter[i++];
      }
      tokens.push({ kind: 'string', text });
    } else {
      const start = i;
      while (i < filter.length && !/[\s()]/.test(filter[i]) && !SINGLE_QUOTES.includes(filter[i]) && filter[i] !== '"') i++;
      tokens.push({ kind: 'word', text: filter.slice(start, i) });
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    if (this.at !== this.tokens.length) throw invalid();
    return node;
  }

  private keyword(word: string): boolean {
    const t = this.tokens[this.at];
    if (t?.kind === 'word' && t.text.toLowerCase() === word) {
      this.at++;
      return true;
    }
    return false;
  }

  private or(): Node {
    let node = this.and();
    while (this.keyword('-or')) node = { type: 'or', left: node, right: this.and() };
    return node;
  }

  private and(): Node {
    let node = this.unary();
    while (this.keyword('-and')) node = { type: 'and', left: node, right: this.unary() };
    return node;
  }

  private unary(): Node {
    if (this.keyword('-not')) return { type: 'not', operand: this.unary() };
    const t = this.tokens[this.at];
    if (t?.kind === '(') {
      this.at++;
      const node = this.or();
      if (this.tokens[this.at]?.kind !== ')') throw invalid();
      this.at++;
      return node;
    }
    return this.compare();
  }

  private compare(): Node {
    const [property, operator, value] = this.tokens.slice(this.at, this.at + 3);
    this.at += 3;
    if (property?.kind !== 'word' || !/^[A-Za-z][A-Za-z0-9]*$/.test(property.text) || operator?.kind !== 'word' || !operator.text.startsWith('-')) throw invalid();
    const op = operator.text.toLowerCase().replace(/^-/, '');
    if (op !== 'eq' && op !== 'ne' && op !== 'like' && op !== 'notlike') throw invalid();
    if (value?.kind === 'string') return { type: 'compare', property: property.text, operator: op, value: value.text };
    if (value?.kind === 'word' && value.text.toLowerCase() === '$null') return { type: 'compare', property: property.text, operator: op, value: null };
    throw invalid();
  }
}

/** A filter's test of one recipient (its properties by name); refuses a filter it cannot parse or a property `known` lacks. */
export function opathFilter(filter: string, known: readonly string[]): (recipient: Record<string, unknown>) => boolean {
  const root = new Parser(tokenize(filter)).parse();
  const name = (property: string): string => {
    const found = known.find((k) => k.toLowerCase() === property.toLowerCase());
    if (!found) throw invalid();
    return found;
  };
  const check = (node: Node): void => {
    if (node.type === 'compare') name(node.property);
    else if (node.type === 'not') check(node.operand);
    else [node.left, node.right].forEach(check);
  };
  check(root);
  const like = (text: string, pattern: string): boolean => {
    const body = pattern.replace(/^\*/, '').replace(/\*$/, '');
    if (body.includes('*')) throw invalid();
    const [starts, ends] = [pattern.startsWith('*'), pattern.endsWith('*') && pattern.length > 1];
    if (starts && ends) return text.includes(body);
    if (starts) return text.endsWith(body);
    if (ends) return text.startsWith(body);
    return text === body;
  };
  const evaluate = (node: Node, recipient: Record<string, unknown>): boolean => {
    switch (node.type) {
      case 'and':
        return evaluate(node.left, recipient) && evaluate(node.right, recipient);
      case 'or':
        return evaluate(node.left, recipient) || evaluate(node.right, recipient);
      case 'not':
        return !evaluate(node.operand, recipient);
      case 'compare': {
        const raw = recipient[name(node.property)];
        const text = raw === undefined || raw === null || raw === '' ? null : String(raw).toLowerCase();
        const value = node.value === null ? null : node.value.toLowerCase();
        // Text comparisons in OPATH are not case-sensitive ("eq and ne (equals and not equals; not case-sensitive)").
        const equal = value === null || text === null ? value === text : node.operator.endsWith('like') ? like(text, value) : text === value;
        return node.operator === 'eq' || node.operator === 'like' ? equal : !equal;
      }
    }
  };
  return (recipient) => evaluate(root, recipient);
}
