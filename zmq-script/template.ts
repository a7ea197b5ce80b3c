/**
 * `{{name}}` references in script values: finding them (for checks, hovers and completion) and
 * expanding them. Names may hold dots for the values steps define (`{{server.endpoint}}`,
 * `{{echo.routingId}}`); blanks inside the braces are allowed (`{{ name }}`).
 */
import type { Template } from './ast';
import type { Span } from './span';

const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** A `{{name}}` in a template, and where it stands in the source. */
export interface Reference {
  readonly name: string;
  readonly span: Span;
}

/**
 * The references in a template, with their spans in the source. In a quoted string written with
 * escapes (the scanner then keeps its `source`), columns are mapped through the escapes.
 */
export function references(template: Template): Reference[] {
  const out: Reference[] = [];
  const columns = template.quoted ? sourceColumns(template) : undefined;
  const column = (index: number): number => (columns ? columns[index] : template.span.start + index);
  for (const match of template.text.matchAll(REFERENCE)) {
    out.push({ name: match[1], span: { line: template.span.line, start: column(match.index), end: column(match.index + match[0].length) } });
  }
  return out;
}

/** For each UTF-16 unit of a quoted template's text (and its end), the source column it was written at. */
function sourceColumns(template: Template): number[] {
  const source = (template as Template & { readonly source?: string }).source;
  const start = template.span.start + 1;
  if (source === undefined) return Array.from({ length: template.text.length + 1 }, (_, i) => start + i);
  const columns: number[] = [];
  // `source` is the string as the scanner accepted it: quotes, and escapes of two or six characters.
  let i = 1;
  while (i < source.length - 1 && columns.length < template.text.length) {
    columns.push(template.span.start + i);
    i += source[i] !== '\\' ? 1 : source[i + 1] === 'u' ? 6 : 2;
  }
  columns.push(template.span.start + Math.min(i, source.length - 1));
  return columns;
}

/** Thrown by {@link expand} for a reference that `lookup` does not know. */
export class UndefinedVariableError extends Error {
  override readonly name = 'UndefinedVariableError';
  readonly code = 'ZMQS_UNDEFINED_VARIABLE';
  constructor(readonly variable: string) {
    super(`undefined variable {{${variable}}}: define it with @${variable} = …, in .env, in the environment or in the settings`);
  }
}

/** Replaces every reference with `lookup(name)`; throws {@link UndefinedVariableError} when it returns undefined. */
export function expand(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(REFERENCE, (_, name: string) => {
    const value = lookup(name);
    if (value === undefined) throw new UndefinedVariableError(name);
    return value;
  });
}

/** Whether the text holds a reference. */
export function hasReferences(text: string): boolean {
  REFERENCE.lastIndex = 0;
  return REFERENCE.test(text);
}
