/**
 * Reads the tokens of one script line: bare words, double-quoted strings (JSON escapes), balanced
 * JSON values, `/regex/flags` and `name=value` settings. Each token carries its span. A token
 * that cannot be read throws a {@link ScanError} naming the problem; the parser turns it into a
 * diagnostic for that line and goes on with the next one.
 */
import type { Name, Template } from './ast';
import type { Span } from './span';

/** A token that could not be read. */
export class ScanError extends Error {
  override readonly name = 'ScanError';
  constructor(
    readonly span: Span,
    message: string,
  ) {
    super(message);
  }
}

const SPACE = /\s/;

/** The one-character escapes of a quoted string (JSON's). */
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A quoted template whose source holds escapes: `source` is the string as written, quotes included. */
export interface QuotedTemplate extends Template {
  readonly source: string;
}

/**
 * The line without its trailing comment: a `#` that starts a word (at the line's start or after a
 * blank) outside a double-quoted string and outside the `/regex/` after `matches`. So
 * `send p "a # b"   # why` sends `a # b`, and `@pw = a#b` keeps its `#`.
 */
export function withoutComment(text: string): string {
  let previousWord = '';
  let wordStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (SPACE.test(c)) {
      if (wordStart >= 0) previousWord = text.slice(wordStart, i);
      wordStart = -1;
      continue;
    }
    const startsWord = wordStart < 0;
    if (startsWord) wordStart = i;
    if (c === '#' && startsWord) return text.slice(0, i).trimEnd();
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    } else if (c === '/' && startsWord && previousWord === 'matches') {
      let inClass = false;
      for (i++; i < text.length; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        else if (text[i] === '/' && !inClass) break;
      }
    }
  }
  return text;
}

/** A cursor over one line. */
export class LineScanner {
  #pos: number;

  constructor(
    readonly text: string,
    readonly line: number,
    start = 0,
  ) {
    this.#pos = start;
  }

  get position(): number {
    return this.#pos;
  }

  span(start: number, end: number): Span {
    return { line: this.line, start, end };
  }

  #skipSpace(): void {
    while (this.#pos < this.text.length && SPACE.test(this.text[this.#pos])) this.#pos++;
  }

  /** Whether only blanks are left. */
  atEnd(): boolean {
    this.#skipSpace();
    return this.#pos >= this.text.length;
  }

  /** The next character after blanks, without consuming it. */
  peekChar(): string | undefined {
    this.#skipSpace();
    return this.text[this.#pos];
  }

  /** Consumes `c` when it is the next character after blanks; returns whether it was. */
  eat(c: string): boolean {
    if (this.peekChar() !== c) return false;
    this.#pos += c.length;
    return true;
  }

  /** The next bare word without consuming it. */
  peekWord(): string | undefined {
    this.#skipSpace();
    if (this.#pos >= this.text.length) return undefined;
    let end = this.#pos;
    while (end < this.text.length && !SPACE.test(this.text[end])) end++;
    return this.text.slice(this.#pos, end);
  }

  /** The next bare word (up to a blank, or up to `stop` when given). */
  word(what: string, stop?: string): Name {
    this.#skipSpace();
    const start = this.#pos;
    while (this.#pos < this.text.length && !SPACE.test(this.text[this.#pos]) && (stop === undefined || !stop.includes(this.text[this.#pos]))) this.#pos++;
    if (this.#pos === start) throw new ScanError(this.span(start, Math.max(start, this.text.length)), `expected ${what}`);
    return { text: this.text.slice(start, this.#pos), span: this.span(start, this.#pos) };
  }

  /**
   * A double-quoted string with JSON escapes (`\" \\ \/ \b \f \n \r \t \uXXXX`); any other
   * character, a tab included, stands for itself. When the string holds escapes, the template
   * also carries its `source` (see {@link QuotedTemplate}) so that positions inside it map back.
   */
  quoted(what: string): Template {
    this.#skipSpace();
    const start = this.#pos;
    if (this.text[start] !== '"') throw new ScanError(this.span(start, Math.min(start + 1, this.text.length)), `expected ${what} in double quotes`);
    let text = '';
    let escaped = false;
    let i = start + 1;
    for (; i < this.text.length && this.text[i] !== '"'; i++) {
      const c = this.text[i];
      if (c !== '\\') {
        text += c;
        continue;
      }
      escaped = true;
      const next = this.text[i + 1];
      if (next === undefined) {
        i = this.text.length;
        break;
      }
      if (next === 'u') {
        const hex = this.text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ScanError(this.span(i, Math.min(i + 6, this.text.length)), 'invalid escape in string: \\u needs four hex digits (\\u00e9)');
        text += String.fromCharCode(parseInt(hex, 16));
        i += 5;
        continue;
      }
      const simple = Object.hasOwn(ESCAPES, next) ? ESCAPES[next] : undefined;
      if (simple === undefined) throw new ScanError(this.span(i, i + 2), `invalid escape \\${next} in string: use \\" \\\\ \\n \\t \\r \\uXXXX`);
      text += simple;
      i++;
    }
    if (i >= this.text.length) throw new ScanError(this.span(start, this.text.length), 'unterminated string: a closing " is missing');
    this.#pos = i + 1;
    const span = this.span(start, i + 1);
    return escaped ? ({ text, span, quoted: true, source: this.text.slice(start, i + 1) } as QuotedTemplate) : { text, span, quoted: true };
  }

  /** A quoted string, or else a bare word. */
  value(what: string): Template {
    if (this.peekChar() === '"') return this.quoted(what);
    const word = this.word(what);
    return { text: word.text, span: word.span, quoted: false };
  }

  /**
   * Bare words up to the end or up to one of `stopWords` (hex written as `01 02 ff`): the text
   * as written from the first word to the last, blanks between them included, so that columns in
   * it map to the source one to one.
   */
  words(what: string, stopWords: readonly string[]): Template {
    this.#skipSpace();
    const start = this.#pos;
    let end = start;
    for (;;) {
      const next = this.peekWord();
      if (next === undefined || stopWords.includes(next)) break;
      this.word(what);
      end = this.#pos;
    }
    if (end === start) throw new ScanError(this.span(start, start), `expected ${what}`);
    return { text: this.text.slice(start, end), span: this.span(start, end), quoted: false };
  }

  /**
   * A JSON value: an object or array read up to its balanced closing bracket (strings respected),
   * or a string or scalar token. The text is returned as written; it is parsed after `{{…}}` are expanded.
   */
  json(what: string): Template {
    const first = this.peekChar();
    if (first !== '{' && first !== '[') return this.peekChar() === '"' ? this.#quotedRaw(what) : this.value(what);
    const start = this.#pos;
    let depth = 0;
    let i = start;
    for (; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '"') {
        i++;
        while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (i >= this.text.length) throw new ScanError(this.span(start, this.text.length), `unbalanced JSON: a closing ${first === '{' ? '}' : ']'} is missing`);
    this.#pos = i + 1;
    return { text: this.text.slice(start, i + 1), span: this.span(start, i + 1), quoted: false };
  }

  /** A JSON string kept with its quotes (so that `json "x"` is the JSON string "x"). */
  #quotedRaw(what: string): Template {
    const inner = this.quoted(what);
    return { text: this.text.slice(inner.span.start, inner.span.end), span: inner.span, quoted: false };
  }

  /**
   * `/pattern/flags`, or a quoted string as the pattern. The pattern's span is the text between
   * the slashes (so that `{{references}}` in it map back); `span` is the whole `/pattern/flags`.
   */
  regex(): { pattern: Template; flags: string; span: Span } {
    if (this.peekChar() === '"') {
      const pattern = this.quoted('a regular expression');
      return { pattern, flags: '', span: pattern.span };
    }
    this.#skipSpace();
    const start = this.#pos;
    if (this.text[start] !== '/') throw new ScanError(this.span(start, Math.min(start + 1, this.text.length)), 'expected a regular expression: /pattern/flags or "pattern"');
    let i = start + 1;
    let inClass = false;
    for (; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
    }
    if (i >= this.text.length) throw new ScanError(this.span(start, this.text.length), 'unterminated regular expression: a closing / is missing');
    let end = i + 1;
    while (end < this.text.length && /[a-z]/i.test(this.text[end])) end++;
    this.#pos = end;
    return {
      pattern: { text: this.text.slice(start + 1, i), span: this.span(start + 1, i), quoted: false },
      flags: this.text.slice(i + 1, end),
      span: this.span(start, end),
    };
  }

  /** `name=value`, the value quoted or bare. */
  setting(): { name: Name; value: Template } {
    const name = this.word('an option name=value', '=');
    if (this.text[this.#pos] !== '=') throw new ScanError(name.span, `expected ${name.text}=value`);
    this.#pos++;
    if (this.#pos >= this.text.length || SPACE.test(this.text[this.#pos])) throw new ScanError(this.span(name.span.start, this.#pos), `${name.text}= needs a value`);
    return { name, value: this.value(`a value for ${name.text}`) };
  }

  /** The rest of the line, trimmed. */
  rest(): Template {
    this.#skipSpace();
    const start = this.#pos;
    const text = this.text.slice(start).trimEnd();
    this.#pos = this.text.length;
    return { text, span: this.span(start, start + text.length), quoted: false };
  }
}
