/**
 * A reader for Bicep source: a tokenizer (identifiers, numbers, strings with `${}` interpolation,
 * `'''` multi-line strings, comments, punctuation, significant newlines) and a parser for the
 * statements (`targetScope`, `param`, `var`, `output`, `resource`, `module`, decorators; `type`,
 * `func`, `import` and the like are read over) and expressions (object and array literals, `for`
 * loops, `if` conditions, member and index access, calls, unary, binary and ternary operators,
 * lambdas). Every node keeps its line and column, so what the checker finds can name them.
 *
 * It reads the Bicep language as its documentation describes it (learn.microsoft.com
 * azure/azure-resource-manager/bicep/file, data-types, operators, loops, conditional-resource-deployment,
 * child-resource-name-type), enough for the files in infra/; what it does not know fails with the
 * file, line and column instead of being passed over.
 */

export interface Pos {
  line: number;
  col: number;
}

export type Expr =
  | { kind: 'string'; parts: (string | Expr)[]; pos: Pos }
  | { kind: 'number'; value: number; pos: Pos }
  | { kind: 'bool'; value: boolean; pos: Pos }
  | { kind: 'null'; pos: Pos }
  | ObjectExpr
  | { kind: 'array'; items: Expr[]; pos: Pos }
  | { kind: 'for'; variables: string[]; source: Expr; body: Expr; pos: Pos }
  | { kind: 'if'; condition: Expr; body: Expr; pos: Pos }
  | { kind: 'ident'; name: string; pos: Pos }
  | { kind: 'member'; object: Expr; name: string; pos: Pos }
  | { kind: 'index'; object: Expr; index: Expr; pos: Pos }
  | { kind: 'call'; callee: Expr; args: Expr[]; pos: Pos }
  | { kind: 'unary'; op: string; operand: Expr; pos: Pos }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; pos: Pos }
  | { kind: 'ternary'; condition: Expr; then: Expr; otherwise: Expr; pos: Pos }
  | { kind: 'lambda'; params: string[]; body: Expr; pos: Pos };

export interface ObjectExpr {
  kind: 'object';
  props: Prop[];
  /** `...expr` entries. */
  spreads: Expr[];
  /** Child resources declared inside this object (a resource body). */
  resources: ResourceDecl[];
  pos: Pos;
}

export interface Prop {
  /** The key: an identifier or a plain string, or the interpolated string expression. */
  key: string | Expr;
  keyPos: Pos;
  value: Expr;
}

export interface ResourceDecl {
  kind: 'resource';
  symbol: string;
  /** The type string as written: 'Microsoft.X/y@version', or a child's 'name' / 'name@version'. */
  type: string;
  typePos: Pos;
  existing: boolean;
  value: Expr;
  decorators: Expr[];
  pos: Pos;
}

export type Statement =
  | ResourceDecl
  | { kind: 'targetScope'; value: Expr; pos: Pos }
  | { kind: 'param'; name: string; type: string; value?: Expr; decorators: Expr[]; pos: Pos }
  | { kind: 'var'; name: string; value: Expr; decorators: Expr[]; pos: Pos }
  | { kind: 'output'; name: string; type: string; value: Expr; decorators: Expr[]; pos: Pos }
  | { kind: 'module'; symbol: string; path: string; value: Expr; decorators: Expr[]; pos: Pos }
  | { kind: 'other'; keyword: string; pos: Pos };

export interface BicepFile {
  statements: Statement[];
  /** Text of the `//` comment that ends each line that has one. */
  comments: Map<number, string>;
}

export class BicepSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly pos: Pos,
    detail: string,
  ) {
    super(`${file}:${pos.line}:${pos.col} ${detail}`);
    this.name = 'BicepSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'ident' | 'number' | 'punct'; text: string; pos: Pos }
  | { kind: 'string'; text: string; parts: (string | Token[])[]; pos: Pos }
  | { kind: 'newline' | 'eof'; text: string; pos: Pos };

const PUNCTUATION = [
  '...',
  '=>',
  '==',
  '!=',
  '=~',
  '!~',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '::',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ':',
  ',',
  '.',
  '?',
  '!',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '|',
];
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(
    private readonly src: string,
    private readonly file: string,
    readonly comments: Map<number, string>,
  ) {}

  private pos(): Pos {
    return { line: this.line, col: this.col };
  }

  private fail(detail: string): never {
    throw new BicepSyntaxError(this.file, this.pos(), detail);
  }

  private advance(n = 1): void {
    for (let k = 0; k < n; k += 1) {
      if (this.src[this.i] === '\n') {
        this.line += 1;
        this.col = 1;
      } else this.col += 1;
      this.i += 1;
    }
  }

  /** Tokens up to the end of the source, or (inside an interpolation) up to its closing brace. */
  tokens(inInterpolation = false): Token[] {
    const out: Token[] = [];
    let braces = 0;
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i] as string;
      const pos = this.pos();
      if (c === '\n') {
        if (inInterpolation) this.fail('line break inside a string interpolation');
        if (out[out.length - 1]?.kind !== 'newline') out.push({ kind: 'newline', text: '\n', pos });
        this.advance();
      } else if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (src.startsWith('//', this.i)) {
        const end = src.indexOf('\n', this.i);
        const stop = end < 0 ? src.length : end;
        this.comments.set(this.line, src.slice(this.i + 2, stop).trim());
        this.advance(stop - this.i);
      } else if (src.startsWith('/*', this.i)) {
        const end = src.indexOf('*/', this.i + 2);
        if (end < 0) this.fail('unterminated /* comment');
        this.advance(end + 2 - this.i);
      } else if (src.startsWith("'''", this.i)) {
        const end = src.indexOf("'''", this.i + 3);
        if (end < 0) this.fail("unterminated ''' string");
        const text = src.slice(this.i + 3, end).replace(/^\r?\n/, '');
        this.advance(end + 3 - this.i);
        out.push({ kind: 'string', text, parts: [text], pos });
      } else if (c === "'") out.push(this.string());
      else if (/[A-Za-z_]/.test(c)) {
        const text = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(this.i, this.i + 256))?.[0] as string;
        this.advance(text.length);
        out.push({ kind: 'ident', text, pos });
      } else if (/[0-9]/.test(c)) {
        const text = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(this.i, this.i + 64))?.[0] as string;
        this.advance(text.length);
        out.push({ kind: 'number', text, pos });
      } else {
        const text = PUNCTUATION.find((p) => src.startsWith(p, this.i));
        if (!text) this.fail(`unexpected character ${JSON.stringify(c)}`);
        if (inInterpolation && text === '{') braces += 1;
        if (inInterpolation && text === '}') {
          if (braces === 0) {
            this.advance();
            return out;
          }
          braces -= 1;
        }
        this.advance(text.length);
        out.push({ kind: 'punct', text, pos });
      }
    }
    if (inInterpolation) this.fail('unterminated ${ interpolation');
    if (out[out.length - 1]?.kind !== 'newline') out.push({ kind: 'newline', text: '\n', pos: this.pos() });
    out.push({ kind: 'eof', text: '', pos: this.pos() });
    return out;
  }

  private string(): Token {
    const pos = this.pos();
    const parts: (string | Token[])[] = [];
    let text = '';
    let raw = '';
    this.advance();
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === "'") {
        this.advance();
        break;
      }
      if (c === '\\') {
        const e = this.src[this.i + 1] as string;
        if (e === 'u' && this.src[this.i + 2] === '{') {
          const end = this.src.indexOf('}', this.i);
          text += String.fromCodePoint(parseInt(this.src.slice(this.i + 3, end), 16));
          this.advance(end + 1 - this.i);
          continue;
        }
        const value = ESCAPES[e];
        if (value === undefined) this.fail(`unknown escape \\${e}`);
        text += value;
        this.advance(2);
        continue;
      }
      if (c === '$' && this.src[this.i + 1] === '{') {
        parts.push(text);
        raw += text + '${…}';
        text = '';
        this.advance(2);
        parts.push(this.tokens(true));
        continue;
      }
      text += c;
      this.advance();
    }
    parts.push(text);
    return { kind: 'string', text: raw + text, parts: parts.filter((p) => p !== ''), pos };
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

const BINARY: string[][] = [
  ['??'],
  ['||'],
  ['&&'],
  ['==', '!=', '=~', '!~'],
  ['<', '>', '<=', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

class Parser {
  private at = 0;
  /** Whether line breaks separate items here: yes in objects and arrays, no inside parentheses. */
  private readonly lines: boolean[] = [true];

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  private peek(k = 0): Token {
    let j = this.at;
    let seen = -1;
    const skip = this.lines[this.lines.length - 1] === false;
    for (;;) {
      const t = this.tokens[j] as Token;
      if (t.kind === 'eof') return t;
      if (!(skip && t.kind === 'newline')) {
        seen += 1;
        if (seen === k) return t;
      }
      j += 1;
    }
  }

  private next(): Token {
    const t = this.peek();
    while (this.tokens[this.at] !== t) this.at += 1;
    if (t.kind !== 'eof') this.at += 1;
    return t;
  }

  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  private fail(t: Token, detail: string): never {
    throw new BicepSyntaxError(
      this.file,
      t.pos,
      `${detail} (found ${t.kind === 'newline' ? 'a line break' : t.kind === 'eof' ? 'the end' : JSON.stringify(t.text)})`,
    );
  }

  private expect(text: string): Token {
    const t = this.next();
    if ((t.kind === 'punct' || t.kind === 'ident') && t.text === text) return t;
    return this.fail(t, `expected ${JSON.stringify(text)}`);
  }

  private identifier(): string {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t, 'expected a name');
    return t.text;
  }

  private plainString(): { text: string; pos: Pos } {
    const t = this.next();
    if (t.kind !== 'string' || t.parts.some((p) => typeof p !== 'string'))
      this.fail(t, 'expected a string without interpolation');
    return { text: t.text, pos: t.pos };
  }

  private newlines(): void {
    while (this.peek().kind === 'newline') this.next();
  }

  private endOfStatement(): void {
    const t = this.next();
    if (t.kind !== 'newline' && t.kind !== 'eof') this.fail(t, 'expected the end of the line');
  }

  statements(): Statement[] {
    const statements: Statement[] = [];
    for (;;) {
      this.newlines();
      if (this.peek().kind === 'eof') return statements;
      statements.push(this.statement());
    }
  }

  private decorators(): Expr[] {
    const found: Expr[] = [];
    while (this.is('@')) {
      this.next();
      found.push(this.postfix());
      this.newlines();
    }
    return found;
  }

  /** The text of a type (param and output declarations) up to `=` or the end of the line. */
  private typeText(): string {
    let depth = 0;
    let text = '';
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || (depth === 0 && (t.kind === 'newline' || (t.kind === 'punct' && t.text === '='))))
        return text.trim();
      if (t.kind === 'punct' && ['{', '[', '('].includes(t.text)) depth += 1;
      if (t.kind === 'punct' && ['}', ']', ')'].includes(t.text)) depth -= 1;
      text += t.kind === 'string' ? `'${t.text}' ` : t.kind === 'newline' ? ' ' : `${t.text} `;
      this.next();
    }
  }

  private statement(): Statement {
    const decorators = this.decorators();
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, 'expected a declaration');
    const keyword = t.text;
    const pos = t.pos;
    switch (keyword) {
      case 'targetScope': {
        this.next();
        this.expect('=');
        const value = this.expression();
        this.endOfStatement();
        return { kind: 'targetScope', value, pos };
      }
      case 'param': {
        this.next();
        const name = this.identifier();
        const type = this.typeText();
        let value: Expr | undefined;
        if (this.is('=')) {
          this.next();
          value = this.expression();
        }
        this.endOfStatement();
        return value
          ? { kind: 'param', name, type, value, decorators, pos }
          : { kind: 'param', name, type, decorators, pos };
      }
      case 'var': {
        this.next();
        const name = this.identifier();
        this.expect('=');
        const value = this.expression();
        this.endOfStatement();
        return { kind: 'var', name, value, decorators, pos };
      }
      case 'output': {
        this.next();
        const name = this.identifier();
        const type = this.typeText();
        this.expect('=');
        const value = this.expression();
        this.endOfStatement();
        return { kind: 'output', name, type, value, decorators, pos };
      }
      case 'resource': {
        const decl = this.resource(decorators);
        this.endOfStatement();
        return decl;
      }
      case 'module': {
        this.next();
        const symbol = this.identifier();
        const path = this.plainString().text;
        this.expect('=');
        const value = this.declarationValue();
        this.endOfStatement();
        return { kind: 'module', symbol, path, value, decorators, pos };
      }
      case 'type':
      case 'func':
      case 'import':
      case 'metadata':
      case 'extension':
      case 'provider':
      case 'using':
      case 'assert': {
        this.skipStatement();
        return { kind: 'other', keyword, pos };
      }
      default:
        return this.fail(t, 'expected a declaration');
    }
  }

  /** Reads over a statement this reader does not model, brackets balanced. */
  private skipStatement(): void {
    let depth = 0;
    this.lines.push(true);
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') break;
      if (t.kind === 'punct' && ['{', '[', '('].includes(t.text)) depth += 1;
      if (t.kind === 'punct' && ['}', ']', ')'].includes(t.text)) depth -= 1;
      if (t.kind === 'newline' && depth === 0) break;
    }
    this.lines.pop();
  }

  private resource(decorators: Expr[]): ResourceDecl {
    const pos = this.expect('resource').pos;
    const symbol = this.identifier();
    const type = this.plainString();
    let existing = false;
    if (this.is('existing')) {
      this.next();
      existing = true;
    }
    this.expect('=');
    const value = this.declarationValue();
    return { kind: 'resource', symbol, type: type.text, typePos: type.pos, existing, value, decorators, pos };
  }

  /** The value of a resource or module: an object, `if (...) {...}` or `[for ...: ...]`. */
  private declarationValue(): Expr {
    if (this.is('if')) return this.condition();
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '{' || t.text === '[')) return this.primary();
    return this.fail(t, 'expected {, [for or if');
  }

  private condition(): Expr {
    const pos = this.expect('if').pos;
    this.expect('(');
    this.lines.push(false);
    const condition = this.expression();
    this.lines.pop();
    this.expect(')');
    const body = this.expression();
    return { kind: 'if', condition, body, pos };
  }

  expression(): Expr {
    const condition = this.binary(0);
    if (!this.is('?')) return condition;
    this.next();
    const then = this.expression();
    this.expect(':');
    const otherwise = this.expression();
    return { kind: 'ternary', condition, then, otherwise, pos: condition.pos };
  }

  private binary(level: number): Expr {
    if (level === BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = BINARY[level] as string[];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !ops.includes(t.text)) return left;
      this.next();
      const right = this.binary(level + 1);
      left = { kind: 'binary', op: t.text, left, right, pos: left.pos };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '!' || t.text === '-')) {
      this.next();
      return { kind: 'unary', op: t.text, operand: this.unary(), pos: t.pos };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.text === '.' || t.text === '?.' || t.text === '::') {
        this.next();
        e = { kind: 'member', object: e, name: this.identifier(), pos: t.pos };
      } else if (t.text === '[' && this.tokens[this.at]?.kind !== 'newline') {
        this.next();
        this.lines.push(false);
        const index = this.expression();
        this.lines.pop();
        this.expect(']');
        e = { kind: 'index', object: e, index, pos: t.pos };
      } else if (t.text === '(' && this.tokens[this.at]?.kind !== 'newline') {
        this.next();
        this.lines.push(false);
        const args: Expr[] = [];
        while (!this.is(')')) {
          args.push(this.expression());
          if (!this.is(')')) this.expect(',');
        }
        this.lines.pop();
        this.expect(')');
        e = { kind: 'call', callee: e, args, pos: e.pos };
      } else return e;
    }
  }

  /** A name, or names in parentheses: `x`, `(item, index)`. */
  private names(): string[] {
    if (!this.is('(')) return [this.identifier()];
    this.next();
    const names: string[] = [];
    while (!this.is(')')) {
      names.push(this.identifier());
      if (this.is(',')) this.next();
    }
    this.next();
    return names;
  }

  private lambdaAhead(): boolean {
    if (this.peek().kind === 'ident' && this.is('=>', 1)) return true;
    if (!this.is('(')) return false;
    for (let k = 1; ; k += 1) {
      const t = this.peek(k);
      if (t.kind === 'eof' || t.kind === 'newline') return false;
      if (t.kind === 'punct' && t.text === ')') return this.is('=>', k + 1);
      if (!(t.kind === 'ident' || (t.kind === 'punct' && t.text === ','))) return false;
    }
  }

  private primary(): Expr {
    const t = this.peek();
    if (this.lambdaAhead()) {
      const params = this.names();
      this.expect('=>');
      return { kind: 'lambda', params, body: this.expression(), pos: t.pos };
    }
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'number', value: Number(t.text), pos: t.pos };
      case 'string':
        this.next();
        return {
          kind: 'string',
          parts: t.parts.map((p) =>
            typeof p === 'string' ? p : new Parser([...p, { kind: 'eof', text: '', pos: t.pos }], this.file).whole(),
          ),
          pos: t.pos,
        };
      case 'ident':
        this.next();
        if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true', pos: t.pos };
        if (t.text === 'null') return { kind: 'null', pos: t.pos };
        return { kind: 'ident', name: t.text, pos: t.pos };
      case 'punct':
        if (t.text === '(') {
          this.next();
          this.lines.push(false);
          const inner = this.expression();
          this.lines.pop();
          this.expect(')');
          return inner;
        }
        if (t.text === '{') return this.object();
        if (t.text === '[') return this.array();
        return this.fail(t, 'expected a value');
      default:
        return this.fail(t, 'expected a value');
    }
  }

  /** A whole token list as one expression (a string interpolation). */
  whole(): Expr {
    this.lines.push(false);
    const e = this.expression();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, 'expected the end of the interpolation');
    return e;
  }

  /** Line breaks and commas between the items of an object or array. */
  private separators(): void {
    while (this.peek().kind === 'newline' || this.is(',')) this.next();
  }

  private object(): ObjectExpr {
    const pos = this.expect('{').pos;
    this.lines.push(true);
    const result: ObjectExpr = { kind: 'object', props: [], spreads: [], resources: [], pos };
    for (;;) {
      this.separators();
      if (this.is('}')) break;
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '@') {
        const decorators = this.decorators();
        result.resources.push(this.resource(decorators));
      } else if (
        t.kind === 'ident' &&
        t.text === 'resource' &&
        this.peek(1).kind === 'ident' &&
        this.peek(2).kind === 'string'
      ) {
        result.resources.push(this.resource([]));
      } else if (t.kind === 'punct' && t.text === '...') {
        this.next();
        result.spreads.push(this.expression());
      } else {
        this.next();
        let key: string | Expr;
        if (t.kind === 'ident') key = t.text;
        else if (t.kind === 'string') {
          const parsed = new Parser([t, { kind: 'eof', text: '', pos: t.pos }], this.file).whole();
          key =
            parsed.kind === 'string' && parsed.parts.every((p) => typeof p === 'string')
              ? parsed.parts.join('')
              : parsed;
        } else this.fail(t, 'expected a property name');
        this.expect(':');
        result.props.push({ key, keyPos: t.pos, value: this.expression() });
      }
      const after = this.peek();
      if (!(after.kind === 'newline' || (after.kind === 'punct' && (after.text === ',' || after.text === '}'))))
        this.fail(after, 'expected a line break, a comma or }');
    }
    this.lines.pop();
    this.expect('}');
    return result;
  }

  private array(): Expr {
    const pos = this.expect('[').pos;
    this.lines.push(true);
    this.newlines();
    if (this.is('for')) {
      this.next();
      const variables = this.names();
      this.expect('in');
      this.lines.push(false);
      const source = this.expression();
      this.lines.pop();
      this.expect(':');
      const body = this.is('if') ? this.condition() : this.expression();
      this.newlines();
      this.lines.pop();
      this.expect(']');
      return { kind: 'for', variables, source, body, pos };
    }
    const items: Expr[] = [];
    for (;;) {
      this.separators();
      if (this.is(']')) break;
      items.push(this.expression());
      const after = this.peek();
      if (!(after.kind === 'newline' || (after.kind === 'punct' && (after.text === ',' || after.text === ']'))))
        this.fail(after, 'expected a line break, a comma or ]');
    }
    this.lines.pop();
    this.expect(']');
    return { kind: 'array', items, pos };
  }
}

/** Parses one Bicep file; `file` names it in errors. */
export function parseBicep(src: string, file: string): BicepFile {
  const comments = new Map<number, string>();
  const tokens = new Lexer(src, file, comments).tokens();
  return { statements: new Parser(tokens, file).statements(), comments };
}
