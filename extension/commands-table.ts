/**
 * The extension's commands as data: ids, titles and where they appear. No vscode import, so a
 * plain-Node test can check this table against package.json `contributes.commands` both ways.
 * extension/commands.ts registers every entry in one loop: its own handlers, keyed by the same
 * verbs, and the two that other modules own (the debugger panel, the Test Explorer).
 */

/** Every command's category; VS Code shows it as the "ZMQ: " prefix in the palette. */
export const COMMAND_CATEGORY = 'ZMQ';

/** The prefix of every command id. */
export const COMMAND_PREFIX = 'zmqPeer.';

/** One command of the extension. */
export interface CommandSpec {
  /** The verb; the id is `zmqPeer.<verb>`. */
  readonly verb: CommandVerb;
  /** The title without the category prefix. */
  readonly title: string;
  /** A codicon shown in the tree view's menus. */
  readonly icon?: string;
}

/** The verbs, one per command. */
export type CommandVerb =
  | 'connectPeer'
  | 'bind'
  | 'openDebugger'
  | 'sendFrame'
  | 'disconnectPeer'
  | 'closeSocket'
  | 'clearTraffic'
  | 'exportTraffic'
  | 'runScript'
  // Security (PLAIN, CURVE): extension/security-commands.ts.
  | 'generateCurveKeypair'
  | 'copyCurvePublicKey'
  | 'addSecurityProfile'
  | 'setPlainPassword'
  // The tap: extension/tap-commands.ts.
  | 'startTap'
  | 'stopTap';

/** The command table (rust-analyzer's pattern): package.json must list exactly these. */
export const COMMANDS: readonly CommandSpec[] = [
  { verb: 'connectPeer', title: 'Connect Peer', icon: '$(plug)' },
  { verb: 'bind', title: 'Bind / Listen for Peers', icon: '$(radio-tower)' },
  { verb: 'openDebugger', title: 'Open Debugger', icon: '$(debug)' },
  { verb: 'sendFrame', title: 'Send Frame to Peer', icon: '$(send)' },
  { verb: 'disconnectPeer', title: 'Disconnect Peer', icon: '$(debug-disconnect)' },
  { verb: 'closeSocket', title: 'Close Socket', icon: '$(close)' },
  { verb: 'clearTraffic', title: 'Clear Traffic', icon: '$(clear-all)' },
  { verb: 'exportTraffic', title: 'Export Traffic…', icon: '$(save)' },
  { verb: 'runScript', title: 'Run Script', icon: '$(play)' },
  // Security (PLAIN, CURVE).
  { verb: 'generateCurveKeypair', title: 'Generate CURVE Keypair', icon: '$(key)' },
  { verb: 'copyCurvePublicKey', title: 'Copy CURVE Public Key', icon: '$(copy)' },
  { verb: 'addSecurityProfile', title: 'Add Security Profile', icon: '$(lock)' },
  { verb: 'setPlainPassword', title: 'Set PLAIN Password', icon: '$(account)' },
  // The tap.
  { verb: 'startTap', title: 'Start Tap', icon: '$(eye)' },
  { verb: 'stopTap', title: 'Stop Tap', icon: '$(debug-stop)' },
];

/** The full command id of a verb. */
export function commandId(verb: CommandVerb): string {
  return COMMAND_PREFIX + verb;
}
