/**
 * ZMQ Peer Script (`.zmq` files): the frame-script language's parser, checks, variables and
 * runner, shared by the language server, the extension's Test Explorer and the `zmq-peer` CLI
 * (cli/). This file is the language's public face: code outside zmq-script/ imports it from here.
 *
 * A client of the core like any other: it reaches the ZMQ library only through core/index.ts.
 * Plain Node: nothing here imports vscode.
 */
export * from './ast';
export type { Span } from './span';
export { parseScript, sourceLines, STEP_KEYWORDS, PAYLOAD_KEYWORDS, MATCHER_KEYWORDS, NAME_PATTERN } from './parser';
export { checkScript, type CheckOptions } from './checks';
export { SCRIPT_CODES, type Diagnostic, type DiagnosticCode, type Severity, type ScriptCode } from './diagnostics';
export { Variables, readDotEnv, environmentLayer, variableLayers, VariableCycleError, type VariableLayer, type VariableSources, type ResolvedVariable } from './variables';
export { references, expand, UndefinedVariableError, type Reference } from './template';
export { parseDuration, formatDuration } from './duration';
export { OPTION_NAMES, optionValue, describeDefault } from './socket-options';
export { decodePayload, hexDump, hexPreview, PayloadError, PAYLOAD_FORMATS, PAYLOAD_SYNTAX, type PayloadFormat } from './payload';
export { runScript, runSource, runFile, DEFAULT_TIMEOUT_MS, SCRIPT_SOCKET_DEFAULTS, type CheckedScript, type RunOptions, type SocketFactory, type SocketRequest, type ScriptSocketHandle } from './runner';
export type { RunEvent, ScenarioResult, ScenarioStatus, ScriptResult, StepResult, StepStatus } from './results';
export { matchBytes, matchJson, matchJsonSubset, matchRegex, type MatchResult } from './matchers';
export { findEnvFile } from './env-file';
export { toJUnitXml, type JUnitOptions } from './junit';
