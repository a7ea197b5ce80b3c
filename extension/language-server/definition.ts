/**
 * Go to definition: from a `{{variable}}` to its `@name =` line (the last one, which wins), or to
 * the step that sets a run-time name (`{{server.endpoint}}` → the bind, `{{echo.routingId}}` → the
 * connect or accept, a counter → its repeat); from a peer or socket name to the step that names it.
 * Variables from the settings, `.env` or the environment have no place in the script: none.
 */
import { parseScript, type Script, type Span, type Step } from '../../zmq-script/index';
import { locate, rangeOf, referenceAt, scenarioNames, splitLines, wordAt, type Position, type Range } from './position';

/** Where the step that sets a run-time name names it. */
function runtimeSpan(step: Step): Span {
  switch (step.kind) {
    case 'bind':
      return step.endpoint.span;
    case 'connect':
    case 'accept':
      return step.peer.span;
    case 'repeat':
      return step.counter?.span ?? step.keyword;
    default:
      return step.keyword;
  }
}

/** The range the name at `position` is defined at, in the same document, if the script defines it. */
export function definition(source: string, position: Position, parsed?: Script): Range | undefined {
  const lineText = splitLines(source)[position.line];
  if (lineText === undefined) return undefined;
  const script = parsed ?? parseScript(source);
  const { scenario } = locate(script, position.line);
  const names = scenarioNames(scenario, position.line);
  const reference = referenceAt(lineText, position);
  if (reference) {
    const runtime = names.runtime.get(reference.name);
    if (runtime) return rangeOf(runtimeSpan(runtime.step));
    const definitions = script.variables.filter((v) => v.name.text === reference.name);
    return definitions.length > 0 ? rangeOf(definitions[definitions.length - 1].name.span) : undefined;
  }
  const word = wordAt(lineText, position);
  if (!word) return undefined;
  const named = names.peers.get(word.text) ?? names.sockets.get(word.text);
  return named ? rangeOf(named.name.span) : undefined;
}
