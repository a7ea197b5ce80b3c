/**
 * Hovers of ZMQ Peer Script, as a pure function of the text: what a payload's bytes are, what an
 * endpoint means to libzmq (or the errno it fails with), where a `{{variable}}` comes from, and
 * the documentation of keywords and socket options.
 */
import { isOptionName, isZmqError, parseEndpoint, SECRET_OPTIONS, z85Encode, type Endpoint, type EndpointRole, type SocketOptions } from '../../core/index';
import {
  decodePayload,
  describeDefault,
  expand,
  formatDuration,
  hexDump,
  IMPLICIT_SOCKET,
  optionValue,
  parseDuration,
  parseScript,
  references,
  type Script,
  type Step,
  type Template,
  type PayloadFormat,
  type Variables,
} from '../../zmq-script/index';
import { code, fence, KEYWORD_DOCS, MATCHER_DOCS, MODIFIER_DOCS, OPTION_DOCS, PAYLOAD_DOCS, TRANSPORT_DOCS, wordMarkdown } from './docs';
import { locate, rangeOf, referenceAt, scenarioNames, splitLines, within, wordAt, type Position, type Range, type ScenarioNames } from './position';

/** What a hover may know beyond the text. */
export interface HoverContext {
  readonly variables: Variables;
  /** The parsed text, when the caller has it already. */
  readonly script?: Script;
}

/** A hover: Markdown, and the range it is about. */
export interface HoverResult {
  readonly contents: string;
  readonly range: Range;
}

/** What the hover helpers share. */
interface Scope {
  readonly variables: Variables;
  readonly names: ScenarioNames;
}

/** The hover at a position of a script's text, or undefined when there is nothing to say. */
export function hover(source: string, position: Position, context: HoverContext): HoverResult | undefined {
  const lineText = splitLines(source)[position.line];
  if (lineText === undefined) return undefined;
  const script = context.script ?? parseScript(source);
  const located = locate(script, position.line);
  const scope: Scope = { variables: context.variables, names: scenarioNames(located.scenario, position.line) };

  const onStep = located.step ? stepHover(located.step, position, scope) : undefined;
  const reference = referenceAt(lineText, position);
  if (reference) {
    // A value that is (or holds) a variable: say where the variable comes from, then what the value means.
    const secret = located.step?.kind === 'socket' && located.step.options.some((o) => isSecret(o.name.text) && within(o.value.span, position));
    const contents = referenceMarkdown(reference.name, scope, secret);
    return { contents: onStep ? `${contents}\n\n---\n\n${onStep.contents}` : contents, range: rangeOf(reference.span) };
  }
  if (located.variable && within(located.variable.name.span, position)) {
    return { contents: definitionMarkdown(located.variable.name.text, scope), range: rangeOf(located.variable.name.span) };
  }
  return onStep ?? keywordHover(lineText, position, located.step);
}

function stepHover(step: Step, position: Position, scope: Scope): HoverResult | undefined {
  const at = (span: { line: number; start: number; end: number } | undefined, contents: () => string): HoverResult | undefined =>
    within(span, position) ? { contents: contents(), range: rangeOf(span) } : undefined;
  switch (step.kind) {
    case 'socket': {
      for (const option of step.options) {
        const found = at(option.name.span, () => optionMarkdown(option.name.text, option.value, scope)) ?? at(option.value.span, () => optionMarkdown(option.name.text, option.value, scope));
        if (found) return found;
      }
      return at(step.socket.span, () => socketMarkdown(step.socket.text, scope));
    }
    case 'bind':
      return at(step.endpoint.span, () => endpointMarkdown(step.endpoint, 'bind', step, scope)) ?? at(step.socket?.span, () => socketMarkdown(step.socket!.text, scope));
    case 'connect':
      return (
        at(step.endpoint.span, () => endpointMarkdown(step.endpoint, 'connect', step, scope)) ??
        at(step.peer.span, () => peerMarkdown(step.peer.text, scope)) ??
        at(step.socket?.span, () => socketMarkdown(step.socket!.text, scope))
      );
    case 'accept':
      return at(step.peer.span, () => peerMarkdown(step.peer.text, scope)) ?? at(step.socket?.span, () => socketMarkdown(step.socket!.text, scope)) ?? at(step.within?.span, () => durationMarkdown(step.within!, scope));
    case 'wait':
      return at(step.peer.span, () => peerMarkdown(step.peer.text, scope)) ?? at(step.within?.span, () => durationMarkdown(step.within!, scope));
    case 'send':
      return (
        at(step.peer.span, () => peerMarkdown(step.peer.text, scope)) ??
        at(step.payload.formatSpan, () => wordMarkdown(step.payload.format, PAYLOAD_DOCS[step.payload.format])) ??
        at(step.payload.value.span, () => (step.payload.format === 'file' ? fileMarkdown(step.payload.value, scope) : payloadMarkdown(step.payload.format, step.payload.value, 'send', scope)))
      );
    case 'expect': {
      const { matcher } = step;
      const value = matcher.value;
      const onValue = at(value?.span, () => {
        if (matcher.kind === 'matches') return regexMarkdown(value!, matcher.flags ?? '', scope);
        if (matcher.kind === 'file') return fileMarkdown(value!, scope);
        if (matcher.kind === 'json-subset') return payloadMarkdown('json', value!, 'json-subset', scope);
        return payloadMarkdown(matcher.kind as PayloadFormat, value!, 'expect', scope);
      });
      return (
        onValue ??
        at(step.peer.span, () => peerMarkdown(step.peer.text, scope)) ??
        at(matcher.kindSpan, () => wordMarkdown(matcher.kind, MATCHER_DOCS[matcher.kind])) ??
        at(step.within?.span, () => durationMarkdown(step.within!, scope))
      );
    }
    case 'sleep':
    case 'timeout':
      return at(step.duration.span, () => durationMarkdown(step.duration, scope));
    case 'repeat':
      return at(step.count.span, () => `**repeat count**: ${expandTemplate(step.count, scope).text ?? step.count.text}`);
    case 'disconnect':
      return (
        at(step.endpoint?.span, () => endpointMarkdown(step.endpoint!, 'connect', step, scope)) ??
        at(step.peer?.span, () => peerMarkdown(step.peer!.text, scope)) ??
        at(step.socket?.span, () => socketMarkdown(step.socket!.text, scope))
      );
    case 'close':
      return at(step.socket?.span, () => socketMarkdown(step.socket!.text, scope));
  }
}

/** Keywords: the first word of a line, or a modifier of the step (`on`, `within`, `connected` …). */
function keywordHover(lineText: string, position: Position, step: Step | undefined): HoverResult | undefined {
  const word = wordAt(lineText, position);
  if (!word) return undefined;
  const first = lineText.length - lineText.trimStart().length === word.span.start;
  const key = first && word.text.startsWith('@') ? '@' : word.text;
  // Modifiers only on a line that parsed as a step: elsewhere `on` or `as` may be any word.
  const table = first ? KEYWORD_DOCS : step ? MODIFIER_DOCS : undefined;
  if (!table || !Object.hasOwn(table, key)) return undefined;
  return { contents: wordMarkdown(key === '@' ? '@name = value' : key, table[key]), range: rangeOf(word.span) };
}

/** A template's text with its variables expanded, or why it cannot be. */
interface Expanded {
  readonly text?: string;
  readonly problem?: string;
}

function expandTemplate(template: Template, scope: Scope): Expanded {
  const refs = references(template);
  const runtime = refs.filter((r) => scope.names.runtime.has(r.name));
  if (runtime.length > 0) {
    return { problem: `Holds ${runtime.map((r) => code(`{{${r.name}}}`)).join(', ')}, known only when the scenario runs.` };
  }
  const missing = refs.filter((r) => !scope.variables.has(r.name));
  if (missing.length > 0) return { problem: `Undefined: ${missing.map((r) => code(`{{${r.name}}}`)).join(', ')}.` };
  try {
    return { text: expand(template.text, (name) => scope.variables.get(name)) };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

/** "(from `{{echo}}`)" when expanding changed the text. */
function expandedFrom(template: Template, text: string): string {
  return text !== template.text ? ` (from ${code(template.text)})` : '';
}

/** Bytes a hover dumps at most: a hover is no place for a whole file. */
const HOVER_DUMP_BYTES = 256;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function payloadMarkdown(format: PayloadFormat, template: Template, role: 'send' | 'expect' | 'json-subset', scope: Scope): string {
  const title = role === 'send' ? `**${format} payload**` : role === 'expect' ? `**expected frame** (${format})` : '**expected JSON subset**';
  const expanded = expandTemplate(template, scope);
  if (expanded.text === undefined) return `${title}\n\n${expanded.problem}`;
  let bytes: Uint8Array;
  try {
    bytes = decodePayload(format, expanded.text);
  } catch (err) {
    return `${title}${expandedFrom(template, expanded.text)}\n\n⚠ ${err instanceof Error ? err.message : String(err)}`;
  }
  const parts = [`${title}: ${bytes.length} ${bytes.length === 1 ? 'byte' : 'bytes'}${expandedFrom(template, expanded.text)}`];
  if (format === 'json') {
    parts.push(`JSON${role === 'json-subset' ? ' (the frame must contain it)' : ''}:\n${fence(JSON.stringify(JSON.parse(expanded.text), null, 2), 'json')}`);
  }
  let text: string | undefined;
  try {
    text = UTF8.decode(bytes);
  } catch {
    text = undefined;
  }
  parts.push(text === undefined ? 'UTF-8: *not valid UTF-8*' : `UTF-8:\n${fence(JSON.stringify(text), 'json')}`);
  if (bytes.length > 0) parts.push(`Hex:\n${fence(hexDump(bytes, HOVER_DUMP_BYTES))}`);
  return parts.join('\n\n');
}

function fileMarkdown(template: Template, scope: Scope): string {
  const expanded = expandTemplate(template, scope);
  return `**file payload** ${code(expanded.text ?? template.text)}: the bytes of the file, its path relative to the script's folder.${expanded.problem ? `\n\n${expanded.problem}` : ''}`;
}

function regexMarkdown(template: Template, flags: string, scope: Scope): string {
  const expanded = expandTemplate(template, scope);
  if (expanded.text === undefined) return `**regular expression**\n\n${expanded.problem}`;
  try {
    new RegExp(expanded.text, flags);
  } catch (err) {
    return `**regular expression**\n\n⚠ ${err instanceof Error ? err.message : String(err)}`;
  }
  return `**regular expression** ${code(`/${expanded.text}/${flags}`)}: must find a match in the frame read as UTF-8.`;
}

function durationMarkdown(template: Template, scope: Scope): string {
  const expanded = expandTemplate(template, scope);
  if (expanded.text === undefined) return `**duration**\n\n${expanded.problem}`;
  const ms = parseDuration(expanded.text);
  return ms === undefined
    ? `**duration**\n\n⚠ ${code(expanded.text)} is not a duration: write 500ms, 2s, 1.5s, 1m or a number of milliseconds`
    : `**duration**: ${formatDuration(ms)} (${ms} ms)${expandedFrom(template, expanded.text)}`;
}

function endpointMarkdown(template: Template, role: EndpointRole, step: Step, scope: Scope): string {
  const what = step.kind === 'disconnect' ? 'disconnect' : role;
  const expanded = expandTemplate(template, scope);
  if (expanded.text === undefined) return `**${what} endpoint** ${code(template.text)}\n\n${expanded.problem}`;
  let endpoint: Endpoint;
  try {
    endpoint = parseEndpoint(expanded.text, role);
  } catch (err) {
    if (!isZmqError(err)) throw err;
    return `**${what} endpoint** ${code(expanded.text)}${expandedFrom(template, expanded.text)}\n\n⚠ **${err.code}** (errno ${err.errno}): ${err.message}`;
  }
  const socket = 'socket' in step && step.socket ? step.socket.text : IMPLICIT_SOCKET;
  const doc = TRANSPORT_DOCS.find((t) => t.scheme === endpoint.transport)!;
  const facts = describeEndpoint(endpoint, role, socket, scope);
  return `**${what} endpoint** ${code(expanded.text)}${expandedFrom(template, expanded.text)}: ${doc.summary}\n\n${facts.map((f) => `- ${f}`).join('\n')}\n\n${doc.note}`;
}

function describeEndpoint(endpoint: Endpoint, role: EndpointRole, socket: string, scope: Scope): string[] {
  const bound = `${code(`{{${socket}.endpoint}}`)} holds the endpoint bound`;
  switch (endpoint.transport) {
    case 'tcp': {
      const facts = [
        role === 'bind'
          ? `host: ${endpoint.host === '*' ? '`*`, every interface (0.0.0.0, or :: with ipv6)' : code(endpoint.host)}`
          : `host: ${code(endpoint.host)}, resolved at each connection attempt`,
        role === 'bind' && (endpoint.port === '*' || endpoint.port === 0)
          ? `port: ${code(String(endpoint.port))}, a free port the system picks; ${bound}`
          : endpoint.port === 0
            ? 'port: 0, which a connect dials as it is: it never connects'
            : `port: ${endpoint.port}`,
      ];
      if (endpoint.source) {
        facts.push(
          role === 'bind'
            ? `source part ${code(`${endpoint.source.host}:${endpoint.source.port}`)}: checked and ignored on bind, as libzmq does`
            : `source address ${code(`${endpoint.source.host}:${endpoint.source.port}`)}, bound before connecting`,
        );
      }
      return facts;
    }
    case 'ipc':
      if (endpoint.wildcard) return [`a fresh path in a private temporary directory; ${bound}`];
      if (endpoint.abstract) return [`abstract name ${code(endpoint.path)} (Linux abstract namespace: no file)`];
      return [`path ${code(endpoint.path)}${endpoint.path.startsWith('/') ? '' : ", relative to the runner's working directory"}`];
    case 'inproc':
      return [`name ${code(endpoint.name)}`];
    case 'ws':
    case 'wss': {
      const facts = [
        `host: ${role === 'bind' && endpoint.host === '*' ? '`*`, every interface' : code(endpoint.host)}`,
        role === 'bind' && endpoint.port === '*' ? `port: \`*\`, a free port the system picks; ${bound}` : `port: ${endpoint.port}`,
        `path: ${code(endpoint.path)}`,
      ];
      if (endpoint.transport === 'wss' && role === 'bind') {
        const missing = (['wssKey', 'wssCert'] as const).filter((name) => !socketSetsOption(socket, name, scope));
        if (missing.length > 0) facts.push(`⚠ socket ${code(socket)} sets no ${missing.map((m) => code(m)).join(' or ')}: a wss bind needs both`);
      }
      return facts;
    }
  }
}

function socketSetsOption(socket: string, option: keyof SocketOptions, scope: Scope): boolean {
  const declared = scope.names.sockets.get(socket);
  return declared?.step.kind === 'socket' && declared.step.options.some((o) => o.name.text === option);
}

/** Whether an option holds a secret, whose value a hover never shows. */
function isSecret(name: string): boolean {
  return SECRET_OPTIONS.has(name as keyof SocketOptions);
}

function referenceMarkdown(name: string, scope: Scope, secret = false): string {
  const title = `**${code(`{{${name}}}`)}**`;
  const runtime = scope.names.runtime.get(name);
  if (runtime) {
    const line = runtime.step.line + 1;
    switch (runtime.step.kind) {
      case 'bind':
        return `${title}: the endpoint socket ${code(name.slice(0, -'.endpoint'.length))} bound, with the real port for \`*\` — set by bind on line ${line}, known when the scenario runs.`;
      case 'connect':
      case 'accept':
        return `${title}: the routing id of peer ${code(runtime.step.peer.text)} — set by ${runtime.step.kind} on line ${line}, known when the scenario runs.`;
      case 'repeat':
        return `${title}: the counter of the repeat on line ${line}, from 0 to ${runtime.step.count.text} − 1.`;
      default:
        return `${title}: set on line ${line} when the scenario runs.`;
    }
  }
  const described = scope.variables.describe(name);
  if (!described) {
    const dot = name.lastIndexOf('.');
    const suffix = dot >= 0 ? name.slice(dot + 1) : '';
    if (suffix === 'endpoint') return `${title}: not set here — a bind on socket ${code(name.slice(0, dot))} before this line sets it.`;
    if (suffix === 'routingId') return `${title}: not set here — a connect … as ${name.slice(0, dot)} or accept ${name.slice(0, dot)} before this line sets it.`;
    return `${title}: undefined — define it with ${code(`@${name} = …`)}, in .env, in the environment or in the settings (zmqPeer.script.variables).`;
  }
  if (secret) return `${title} = a secret, not shown\n\nfrom ${sourceText(described)}`;
  return `${title} = ${code(described.value)}${expandedValue(name, described.value, scope)}\n\nfrom ${sourceText(described)}`;
}

function definitionMarkdown(name: string, scope: Scope): string {
  const described = scope.variables.describe(name);
  if (!described) return `**@${name}**`;
  const overridden = described.source !== 'file' ? `\n\nThis file's value is overridden by ${sourceText(described)}.` : '';
  return `**@${name}** = ${code(described.value)}${expandedValue(name, described.value, scope)}${overridden}`;
}

function expandedValue(name: string, raw: string, scope: Scope): string {
  try {
    const value = scope.variables.get(name);
    return value !== undefined && value !== raw ? `, which is ${code(value)}` : '';
  } catch (err) {
    return ` ⚠ ${err instanceof Error ? err.message : String(err)}`;
  }
}

function sourceText(described: { source: string; line?: number }): string {
  if (described.source === 'file') return `this file, line ${(described.line ?? 0) + 1}`;
  return described.source;
}

function optionMarkdown(name: string, value: Template, scope: Scope): string {
  if (!isOptionName(name)) return `**${name}**: not a socket option`;
  const parts = [`**${name}** — ${OPTION_DOCS[name]}`, `Default: ${code(describeDefault(name))}`];
  const expanded = expandTemplate(value, scope);
  if (expanded.text === undefined) parts.push(expanded.problem!);
  else {
    try {
      const checked = optionValue(name, expanded.text);
      const curveKey = name === 'curvePublicKey' || name === 'curveServerKey';
      const shown = checked instanceof Uint8Array ? (curveKey ? z85Encode(checked) : Buffer.from(checked).toString('utf8')) : String(checked);
      parts.push(isSecret(name) ? 'Here: a secret, not shown' : `Here: ${code(shown)}`);
    } catch (err) {
      parts.push(`⚠ ${isZmqError(err) ? `${err.code}: ` : ''}${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return parts.join('\n\n');
}

function peerMarkdown(name: string, scope: Scope): string {
  const named = scope.names.peers.get(name);
  if (!named) return `**peer** ${code(name)}: not named in this scenario — name it with ${code(`connect ENDPOINT as ${name}`)} or ${code(`accept ${name}`)}.`;
  const step = named.step;
  const how = step.kind === 'connect' ? `connect to ${code(step.endpoint.text)}` : step.kind;
  return `**peer** ${code(name)}: named by ${how} on line ${step.line + 1}; its routing id is ${code(`{{${name}.routingId}}`)}.`;
}

function socketMarkdown(name: string, scope: Scope): string {
  const declared = scope.names.sockets.get(name);
  if (declared?.step.kind === 'socket') {
    const options = declared.step.options.map((o) => `${o.name.text}=${o.value.text}`).join(' ');
    return `**socket** ${code(name)}: a PEER socket declared on line ${declared.step.line + 1}${options ? ` with ${code(options)}` : ' with the default options'}.`;
  }
  if (name === IMPLICIT_SOCKET) return `**socket** ${code(name)}: the implicit PEER socket, made on first use with the default options.`;
  return `**socket** ${code(name)}: not declared in this scenario — declare it with ${code(`socket ${name}`)}.`;
}
