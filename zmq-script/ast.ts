/**
 * The syntax tree of a ZMQ Peer Script (`.zmq` file). Positions are 0-based lines and UTF-16
 * columns, as the Language Server Protocol counts them, so diagnostics and hovers need no
 * conversion. Values that may hold `{{variables}}` are kept as {@link Template}s: they are
 * expanded when a step runs, and checked beforehand with whatever variables are known.
 */
import type { Diagnostic } from './diagnostics';
import type { PayloadFormat } from './payload';
import type { Span } from './span';

/** A word of the script (a socket, peer or variable name) and where it stands. */
export interface Name {
  readonly text: string;
  readonly span: Span;
}

/** Source text that may hold `{{name}}` references; `text` is unquoted and unescaped. */
export interface Template {
  readonly text: string;
  readonly span: Span;
  /** Whether it was written in double quotes. */
  readonly quoted: boolean;
}

/** `@name = value` at the top of a file. */
export interface VariableDefinition {
  readonly name: Name;
  readonly value: Template;
}

/** A payload to send: `text "hi"`, `hex 01 02`, `base64 AQI=`, `json {"a":1}`, `file ./x.bin`, or a bare `"hi"`. */
export interface Payload {
  /** How the value is written (payload.ts's grammar), or `file`: the value is a path whose bytes are sent. */
  readonly format: PayloadFormat | 'file';
  readonly value: Template;
  /** The format keyword, when written. */
  readonly formatSpan?: Span;
}

/** How `expect` matches a received frame. */
export type MatcherKind = PayloadFormat | 'file' | 'json-subset' | 'matches' | 'any';

/** What a received frame must be: a payload compared byte for byte (json: as JSON values), a JSON subset, a regex, or anything. */
export interface Matcher {
  readonly kind: MatcherKind;
  /** Absent for `any`. */
  readonly value?: Template;
  /** Regex flags, for `matches /re/flags`. */
  readonly flags?: string;
  readonly kindSpan: Span;
}

/** A socket option written `name=value` on a `socket` line. */
export interface OptionSetting {
  readonly name: Name;
  readonly value: Template;
}

interface StepBase {
  /** The line the step is on. */
  readonly line: number;
  /** The step's text without surrounding blanks. */
  readonly span: Span;
  /** The keyword's span. */
  readonly keyword: Span;
}

/** `socket NAME [option=value …]`: declares a PEER socket (the implicit one is `peer`). */
export interface SocketStep extends StepBase {
  readonly kind: 'socket';
  readonly socket: Name;
  readonly options: readonly OptionSetting[];
}

/** `bind ENDPOINT [on SOCKET]`: `{{SOCKET.endpoint}}` holds the endpoint bound. */
export interface BindStep extends StepBase {
  readonly kind: 'bind';
  readonly endpoint: Template;
  readonly socket?: Name;
}

/** `connect ENDPOINT as PEER [on SOCKET]`: zmq_connect_peer; PEER names the routing id it returns. */
export interface ConnectStep extends StepBase {
  readonly kind: 'connect';
  readonly endpoint: Template;
  readonly peer: Name;
  readonly socket?: Name;
}

/** `accept PEER [on SOCKET] [within DURATION]`: waits for the next peer that completes a handshake with a bound endpoint. */
export interface AcceptStep extends StepBase {
  readonly kind: 'accept';
  readonly peer: Name;
  readonly socket?: Name;
  readonly within?: Template;
}

/** `wait PEER connected|disconnected [within DURATION]`. */
export interface WaitStep extends StepBase {
  readonly kind: 'wait';
  readonly peer: Name;
  readonly condition: 'connected' | 'disconnected';
  readonly within?: Template;
}

/** `send PEER PAYLOAD`. `more` or a second payload is kept so that the checks can refuse it (PEER is single-frame). */
export interface SendStep extends StepBase {
  readonly kind: 'send';
  readonly peer: Name;
  readonly payload: Payload;
  /** Where `more` or a second payload was written. */
  readonly multipart?: Span;
}

/** `expect PEER MATCHER [within DURATION]`. */
export interface ExpectStep extends StepBase {
  readonly kind: 'expect';
  readonly peer: Name;
  readonly matcher: Matcher;
  readonly within?: Template;
}

/** `sleep DURATION`. */
export interface SleepStep extends StepBase {
  readonly kind: 'sleep';
  readonly duration: Template;
}

/** `timeout DURATION`: the default `within` of the steps after it in the scenario. */
export interface TimeoutStep extends StepBase {
  readonly kind: 'timeout';
  readonly duration: Template;
}

/** `repeat COUNT [as VAR]` … `end`: VAR (default `i`) counts from 0. */
export interface RepeatStep extends StepBase {
  readonly kind: 'repeat';
  readonly count: Template;
  readonly counter: Name | undefined;
  readonly steps: readonly Step[];
  /** The line of its `end` (the last line of the file when it is missing). */
  readonly endLine: number;
}

/** `disconnect PEER` (zmq_disconnect_peer) or `disconnect ENDPOINT [on SOCKET]` (zmq_disconnect). */
export interface DisconnectStep extends StepBase {
  readonly kind: 'disconnect';
  readonly peer?: Name;
  readonly endpoint?: Template;
  readonly socket?: Name;
}

/** `close [SOCKET]`. */
export interface CloseStep extends StepBase {
  readonly kind: 'close';
  readonly socket?: Name;
}

export type Step =
  | SocketStep
  | BindStep
  | ConnectStep
  | AcceptStep
  | WaitStep
  | SendStep
  | ExpectStep
  | SleepStep
  | TimeoutStep
  | RepeatStep
  | DisconnectStep
  | CloseStep;

export type StepKind = Step['kind'];

/** `scenario NAME` … `end`. */
export interface Scenario {
  readonly name: Name;
  readonly keyword: Span;
  readonly steps: readonly Step[];
  readonly startLine: number;
  /** The line of its `end` (the last line of the file when it is missing). */
  readonly endLine: number;
}

/** A parsed file: its variables, its scenarios, and what could not be parsed. */
export interface Script {
  readonly variables: readonly VariableDefinition[];
  readonly scenarios: readonly Scenario[];
  /** Syntax problems; the checks add the rest. */
  readonly diagnostics: readonly Diagnostic[];
  readonly lineCount: number;
}

/** The name of the socket a step runs on when it names none. */
export const IMPLICIT_SOCKET = 'peer';
/** The counter of a `repeat` without `as`. */
export const DEFAULT_COUNTER = 'i';
