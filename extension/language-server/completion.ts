/**
 * Completion of ZMQ Peer Script, as a pure function of the text. The line being typed rarely
 * parses yet, so the words before the cursor decide what is offered; the parsed rest of the file
 * supplies the names (peers, sockets, variables) of the scenario around the cursor.
 */
import { CompletionItemKind, MarkupKind, type CompletionItem, type MarkupContent } from 'vscode-languageserver';
import { DEFAULT_OPTIONS, type EndpointRole } from '../../core/index';
import { describeDefault, IMPLICIT_SOCKET, MATCHER_KEYWORDS, OPTION_NAMES, parseScript, PAYLOAD_KEYWORDS, STEP_KEYWORDS, type Script, type Variables } from '../../zmq-script/index';
import { code, DURATION_SUGGESTIONS, fence, KEYWORD_DOCS, MATCHER_DOCS, MODIFIER_DOCS, OPTION_DOCS, PAYLOAD_DOCS, TRANSPORT_DOCS, type WordDoc } from './docs';
import { scenarioAt, scenarioNames, splitLines, type Position, type Range, type ScenarioNames } from './position';

/** What completion may know beyond the text. */
export interface CompletionContext {
  readonly variables: Variables;
  /** The parsed text, when the caller has it already. */
  readonly script?: Script;
}

/** The characters that open a completion by themselves: `{{`, `name=`, `tcp://`. */
export const TRIGGER_CHARACTERS: readonly string[] = ['{', '=', '/'];

/** Where an item's text goes: what was typed of the word so far is replaced. */
interface Site {
  readonly range: Range;
}

/** The completions at a position of a script's text. Never throws for any text. */
export function complete(source: string, position: Position, context: CompletionContext): CompletionItem[] {
  const lineText = splitLines(source)[position.line];
  if (lineText === undefined) return [];
  const character = Math.max(0, Math.min(position.character, lineText.length));
  const prefix = lineText.slice(0, character);
  const trimmed = prefix.trimStart();
  if (trimmed.startsWith('#') || trimmed.startsWith('//')) return [];
  const script = context.script ?? parseScript(source);
  const scenario = scenarioAt(script, position.line);
  const names = scenarioNames(scenario, position.line);

  const open = prefix.lastIndexOf('{{');
  if (open >= 0 && open > prefix.lastIndexOf('}}')) {
    const typed = /^\s*([A-Za-z0-9_.-]*)$/.exec(prefix.slice(open + 2));
    return typed ? variableItems(lineText, position.line, character, typed[1], names, context.variables) : [];
  }
  // Inside a quoted payload only `{{` means anything.
  if (insideString(prefix)) return [];

  const words = trimmed.split(/\s+/).filter((w) => w !== '');
  const partial = prefix === '' || /\s$/.test(prefix) ? '' : words.pop()!;
  const site: Site = { range: { start: { line: position.line, character: character - partial.length }, end: { line: position.line, character } } };
  if (words.length === 0) return partial.startsWith('@') ? [] : keywordItems(scenario !== undefined, site);

  const keyword = words[0];
  const index = words.length;
  const previous = words[words.length - 1];
  if (previous === 'on') return socketItems(names, site);
  if (previous === 'within') return durationItems(site);
  if (previous === 'as') return [];
  const unused = (...candidates: string[]): CompletionItem[] => modifierItems(candidates.filter((c) => !words.includes(c)), site);
  switch (keyword) {
    case 'connect':
      if (index === 1) return endpointItems('connect', partial, site, context.variables);
      return index === 2 ? unused('as') : unused('as', 'on');
    case 'bind':
      return index === 1 ? endpointItems('bind', partial, site, context.variables) : unused('on');
    case 'socket':
      return index === 1 ? [] : optionItems(words.slice(2), partial, site);
    case 'send':
      if (index === 1) return peerItems(names, position.line, site);
      return index === 2 ? wordItems(PAYLOAD_KEYWORDS, PAYLOAD_DOCS, CompletionItemKind.EnumMember, site) : [];
    case 'expect':
      if (index === 1) return peerItems(names, position.line, site);
      if (index === 2) return wordItems(MATCHER_KEYWORDS, MATCHER_DOCS, CompletionItemKind.EnumMember, site);
      // `within` may follow once the matcher has its value: `any`, a bare "text", or a kind and a word.
      return words[2] === 'any' || words[2].startsWith('"') || index >= 4 ? unused('within') : [];
    case 'wait':
      if (index === 1) return peerItems(names, position.line, site);
      return index === 2 ? wordItems(['connected', 'disconnected'], MODIFIER_DOCS, CompletionItemKind.EnumMember, site) : unused('within');
    case 'accept':
      return index === 1 ? [] : unused('on', 'within');
    case 'disconnect':
      if (index === 1) return [...peerItems(names, position.line, site), ...endpointItems('connect', partial, site, context.variables).map((item) => ({ ...item, sortText: `9${item.sortText ?? ''}` }))];
      return words[1].includes('://') || words[1].includes('{{') ? unused('on') : [];
    case 'sleep':
    case 'timeout':
      return index === 1 ? durationItems(site) : [];
    case 'repeat':
      return index === 2 ? unused('as') : [];
    case 'close':
      return index === 1 ? socketItems(names, site) : [];
    default:
      return [];
  }
}

/** Whether the text ends inside a double-quoted string (escapes respected). */
function insideString(text: string): boolean {
  let inside = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && inside) i++;
    else if (text[i] === '"') inside = !inside;
  }
  return inside;
}

function markdown(value: string): MarkupContent {
  return { kind: MarkupKind.Markdown, value };
}

function item(label: string, kind: CompletionItemKind, site: Site, extra: Partial<CompletionItem> = {}): CompletionItem {
  return { label, kind, textEdit: { range: site.range, newText: label }, ...extra };
}

function keywordItems(inScenario: boolean, site: Site): CompletionItem[] {
  // Outside a scenario only `scenario` and `@` make sense (steps there never run); inside, steps first.
  const words: string[] = inScenario ? [...STEP_KEYWORDS, 'end', 'scenario'] : ['scenario', '@'];
  return words.map((word, i) => {
    const doc = KEYWORD_DOCS[word] as WordDoc | undefined;
    return item(word, CompletionItemKind.Keyword, site, { sortText: String(i).padStart(2, '0'), ...(doc ? { detail: doc.summary, documentation: markdown(fence(doc.usage, 'zmq')) } : {}) });
  });
}

function wordItems(words: readonly string[], docs: Readonly<Record<string, WordDoc>>, kind: CompletionItemKind, site: Site): CompletionItem[] {
  return words.map((word, i) => {
    const doc = docs[word] as WordDoc | undefined;
    return item(word, kind, site, { sortText: String(i).padStart(2, '0'), ...(doc ? { detail: doc.summary, documentation: markdown(fence(doc.usage, 'zmq')) } : {}) });
  });
}

function modifierItems(words: readonly string[], site: Site): CompletionItem[] {
  return wordItems(words, MODIFIER_DOCS, CompletionItemKind.Keyword, site);
}

function durationItems(site: Site): CompletionItem[] {
  return DURATION_SUGGESTIONS.map((d, i) => item(d, CompletionItemKind.Unit, site, { detail: 'duration', sortText: String(i).padStart(2, '0') }));
}

function endpointItems(role: EndpointRole, partial: string, site: Site, variables: Variables): CompletionItem[] {
  const scheme = /^([a-z]+):\/?\/?/.exec(partial)?.[1];
  const transport = TRANSPORT_DOCS.find((t) => t.scheme === scheme);
  if (transport && partial.includes(':/')) {
    // After `tcp://` (the `/` trigger): a whole example endpoint, replacing what was typed.
    const example = role === 'bind' ? transport.bindExample : transport.connectExample;
    return [item(example, CompletionItemKind.Value, site, { detail: `${transport.summary} ${role} example`, documentation: markdown(transport.note) })];
  }
  const transports = TRANSPORT_DOCS.map((t, i) => {
    const example = role === 'bind' ? t.bindExample : t.connectExample;
    return item(`${t.scheme}://`, CompletionItemKind.Module, site, {
      detail: `${t.summary}, e.g. ${example}`,
      documentation: markdown(`${fence(`${role} ${example}`, 'zmq')}\n\n${t.note}`),
      sortText: `1${i}`,
    });
  });
  // Variables holding an endpoint are the usual way to write one; the environment's are not offered (too many, rarely endpoints).
  const fromVariables = variables
    .names()
    .filter((name) => {
      const described = variables.describe(name);
      return described !== undefined && described.source !== 'environment' && described.value.includes('://');
    })
    .map((name) => item(`{{${name}}}`, CompletionItemKind.Variable, site, { detail: variables.describe(name)!.value, sortText: `0${name}` }));
  return [...fromVariables, ...transports];
}

function optionItems(written: readonly string[], partial: string, site: Site): CompletionItem[] {
  const eq = partial.indexOf('=');
  if (eq >= 0) return optionValueItems(partial.slice(0, eq), { range: { ...site.range, start: { ...site.range.start, character: site.range.start.character + eq + 1 } } });
  const taken = new Set(written.map((w) => w.split('=')[0]));
  return OPTION_NAMES.filter((name) => !taken.has(name)).map((name, i) =>
    item(name, CompletionItemKind.Property, site, {
      detail: /^ZMQ_[A-Z0-9_]+:/.test(OPTION_DOCS[name]) ? OPTION_DOCS[name].split(':')[0] : 'no libzmq counterpart',
      documentation: markdown(`${OPTION_DOCS[name]}\n\nDefault: ${code(describeDefault(name))}`),
      textEdit: { range: site.range, newText: `${name}=` },
      sortText: String(i).padStart(2, '0'),
    }),
  );
}

function optionValueItems(name: string, site: Site): CompletionItem[] {
  if (!Object.hasOwn(DEFAULT_OPTIONS, name)) return [];
  const current = DEFAULT_OPTIONS[name as keyof typeof DEFAULT_OPTIONS];
  if (typeof current === 'boolean') return ['true', 'false'].map((v) => item(v, CompletionItemKind.Value, site, { detail: v === String(current) ? 'default' : undefined }));
  if (typeof current === 'number') return [item(String(current), CompletionItemKind.Value, site, { detail: 'default' })];
  return [];
}

function peerItems(names: ScenarioNames, line: number, site: Site): CompletionItem[] {
  return [...names.peers.values()].map(({ name, step }) =>
    item(name.text, CompletionItemKind.Field, site, {
      detail: `peer, named by ${step.kind} on line ${step.line + 1}`,
      // Peers named above the cursor first: those are the ones a step here can use.
      sortText: `${step.line < line ? 0 : 1}${name.text}`,
    }),
  );
}

function socketItems(names: ScenarioNames, site: Site): CompletionItem[] {
  const items = [...names.sockets.values()].map(({ name, step }) => item(name.text, CompletionItemKind.Module, site, { detail: `socket, declared on line ${step.line + 1}`, sortText: `0${name.text}` }));
  if (!names.sockets.has(IMPLICIT_SOCKET)) items.push(item(IMPLICIT_SOCKET, CompletionItemKind.Module, site, { detail: 'the implicit socket', sortText: `1${IMPLICIT_SOCKET}` }));
  return items;
}

/** Sources in the order completion lists their variables: the scenario's own names first, the environment last. */
function sourceRank(source: string): number {
  if (source === 'file') return 1;
  if (source.startsWith('settings')) return 2;
  if (source.startsWith('.env')) return 3;
  if (source === 'environment') return 5;
  return 4;
}

function variableItems(lineText: string, line: number, character: number, typed: string, names: ScenarioNames, variables: Variables): CompletionItem[] {
  // Replace the whole name around the cursor, and close the braces unless they already are.
  const after = lineText.slice(character);
  const rest = /^[A-Za-z0-9_.-]*/.exec(after)![0];
  const closed = /^\s*\}\}/.test(after.slice(rest.length));
  const range: Range = { start: { line, character: character - typed.length }, end: { line, character: character + rest.length } };
  const edit = (name: string) => ({ range, newText: closed ? name : `${name}}}` });
  const items = new Map<string, CompletionItem>();
  for (const { name, step } of names.runtime.values()) {
    items.set(name, {
      label: name,
      kind: CompletionItemKind.Variable,
      detail: `set by ${step.kind} on line ${step.line + 1}`,
      documentation: markdown(`Known when the scenario runs: set by ${code(step.kind)} on line ${step.line + 1}.`),
      textEdit: edit(name),
      sortText: `0${name}`,
    });
  }
  for (const name of variables.names()) {
    if (items.has(name)) continue;
    const described = variables.describe(name)!;
    items.set(name, {
      label: name,
      kind: CompletionItemKind.Variable,
      detail: described.value.length > 60 ? `${described.value.slice(0, 60)}…` : described.value,
      documentation: markdown(`${code(described.value)}\n\nfrom ${described.source === 'file' ? `this file, line ${(described.line ?? 0) + 1}` : described.source}`),
      textEdit: edit(name),
      sortText: `${sourceRank(described.source)}${name}`,
    });
  }
  return [...items.values()];
}
