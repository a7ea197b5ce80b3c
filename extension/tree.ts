/**
 * The "ZMQ Sockets" tree view: sockets, and under each its peers (routing id, state, endpoint);
 * then the taps (listen → upstream, policy, relayed as is or terminating CURVE, open connections),
 * each with Stop inline.
 * Refreshes on the session's batched events, so it redraws at most once per batch window.
 */
import * as vscode from 'vscode';
import type { PeerView, SocketView } from '../webview/protocol';
import type { ZmqSession } from './session';
import { shortKey } from './security-profiles';
import type { TapSummary } from './session-taps';

/** A socket row; `contextValue` "zmqSocket". Also the argument commands get from its menu. */
export interface SocketNode {
  readonly kind: 'socket';
  readonly socketId: string;
}

/** A peer row; `contextValue` "zmqPeer" (or "zmqPeer.connect" when it can be disconnected). */
export interface PeerNode {
  readonly kind: 'peer';
  readonly socketId: string;
  readonly connectionId: number;
  readonly routingId: number | null;
}

/** A tap row; `contextValue` "zmqTap". `socketId` is the tap's id, so Open Debugger shows it. */
export interface TapNode {
  readonly kind: 'tap';
  readonly tapId: string;
  readonly socketId: string;
}

export type ZmqTreeNode = SocketNode | PeerNode | TapNode;

/** The view's id in package.json `contributes.views`. */
export const TREE_VIEW_ID = 'zmqPeer.sockets';

const STATE_ICONS: Readonly<Record<string, string>> = {
  ACTIVE: 'pass-filled',
  WAIT_RECONNECT: 'sync',
  DISCONNECTED: 'debug-disconnect',
  TERMINATED: 'error',
};

function socketItem(socket: SocketView, peerCount: number): vscode.TreeItem {
  const item = new vscode.TreeItem(socket.label, peerCount > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  const endpoints = [...socket.bound.map((e) => `bound ${e}`), ...socket.connected.map((e) => `→ ${e}`)];
  item.id = `socket:${socket.socketId}`;
  item.description = endpoints.length > 0 ? endpoints.join(', ') : 'not bound or connected';
  const sec = socket.security;
  const security = sec.mechanism === 'NULL' ? 'NULL (no security)' : `${sec.mechanism} ${sec.role ?? ''}${sec.profile === null ? '' : `, profile "${sec.profile}"`}`;
  item.tooltip = `${socket.type} ${socket.socketId} · ${security}\n${endpoints.join('\n')}`;
  item.iconPath = new vscode.ThemeIcon('plug');
  item.contextValue = 'zmqSocket';
  return item;
}

function peerItem(peer: PeerView): vscode.TreeItem {
  const label = peer.routingId !== null ? `#${peer.routingId}` : '(no routing id yet)';
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `peer:${peer.socketId}/${peer.connectionId}`;
  item.description = `${peer.state} · ${peer.role === 'connect' ? '→' : '←'} ${peer.remoteAddress ?? peer.endpoint}`;
  item.tooltip = new vscode.MarkdownString(
    [
      `**Routing id** ${peer.routingId ?? '—'}`,
      `**State** ${peer.state}`,
      `**Endpoint** \`${peer.endpoint}\` (${peer.role})`,
      `**Remote** ${peer.remoteAddress ?? '—'}`,
      peer.mechanism === null ? '' : `**Security** ${peer.mechanism}${peer.securityRole === null ? '' : ` (we are the ${peer.securityRole})`}`,
      peer.peerProperties['User-Id'] === undefined ? '' : `**User-Id** ${peer.peerProperties['User-Id']}`,
      `**Messages** in ${peer.messagesIn} / out ${peer.messagesOut}`,
      peer.lastError ? `**Last error** ${peer.lastError}` : '',
    ]
      .filter(Boolean)
      .join('  \n'),
  );
  item.iconPath = new vscode.ThemeIcon(STATE_ICONS[peer.state] ?? 'loading~spin');
  item.contextValue = peer.role === 'connect' ? 'zmqPeer.connect' : 'zmqPeer';
  item.command = {
    command: 'zmqPeer.openDebugger',
    title: 'Open Debugger',
    arguments: [{ socketId: peer.socketId, routingId: peer.routingId ?? undefined }],
  };
  return item;
}

function tapItem(tap: TapSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(`${tap.listen} → ${tap.upstream}`, vscode.TreeItemCollapsibleState.None);
  const count = `${tap.connections} connection${tap.connections === 1 ? '' : 's'}`;
  const t = tap.terminating;
  item.id = `tap:${tap.tapId}`;
  item.description = `tap · ${tap.policy} · ${t === null ? '' : `terminating CURVE (${shortKey(t.serverKey)} / ${shortKey(t.clientKey)}) · `}${count}${tap.state === 'upstream-down' ? ' · upstream down' : ''}`;
  const security = t === null
    ? 'Security: relayed as is (CURVE and PLAIN handshakes are named, contents stay encrypted)'
    : `Security: terminating CURVE — apps must trust server key ${t.serverKey} (profile "${t.serverProfile}"), the upstream sees client key ${t.clientKey} (profile "${t.clientProfile}")`;
  item.tooltip = `Tap ${tap.tapId}: apps connect to ${tap.listen}, relayed to ${tap.upstream}\nPolicy when the upstream is down: ${tap.policy}\n${security}\nState: ${tap.state} · ${count}`;
  item.iconPath = new vscode.ThemeIcon(tap.state === 'upstream-down' ? 'warning' : 'eye');
  item.contextValue = 'zmqTap';
  item.command = { command: 'zmqPeer.openDebugger', title: 'Open Debugger', arguments: [{ socketId: tap.tapId }] };
  return item;
}

/** The tree's data provider. Dispose it to stop listening to the session. */
export class SocketTreeProvider implements vscode.TreeDataProvider<ZmqTreeNode>, vscode.Disposable {
  readonly #session: ZmqSession;
  readonly #changed = new vscode.EventEmitter<ZmqTreeNode | undefined>();
  readonly #unsubscribe: () => void;
  readonly onDidChangeTreeData = this.#changed.event;

  constructor(session: ZmqSession) {
    this.#session = session;
    this.#unsubscribe = session.onEvent((event) => {
      if (event.type === 'sockets' || event.type === 'peer' || event.type === 'peerGone') this.#changed.fire(undefined);
    });
  }

  getTreeItem(node: ZmqTreeNode): vscode.TreeItem {
    if (node.kind === 'tap') {
      const tap = this.#session.taps().find((t) => t.tapId === node.tapId);
      return tap ? tapItem(tap) : new vscode.TreeItem(`${node.tapId} (stopped)`);
    }
    if (node.kind === 'socket') {
      const socket = this.#session.sockets().find((s) => s.socketId === node.socketId);
      return socket ? socketItem(socket, this.#session.peers(node.socketId).length) : new vscode.TreeItem(node.socketId);
    }
    const peer = this.#session.peers(node.socketId).find((p) => p.connectionId === node.connectionId);
    return peer ? peerItem(peer) : new vscode.TreeItem(`connection ${node.connectionId} (gone)`);
  }

  getChildren(node?: ZmqTreeNode): ZmqTreeNode[] {
    if (!node) {
      return [
        ...this.#session.sockets().map((s): ZmqTreeNode => ({ kind: 'socket', socketId: s.socketId })),
        ...this.#session.taps().map((t): ZmqTreeNode => ({ kind: 'tap', tapId: t.tapId, socketId: t.tapId })),
      ];
    }
    if (node.kind !== 'socket') return [];
    return this.#session.peers(node.socketId).map((p) => ({ kind: 'peer', socketId: p.socketId, connectionId: p.connectionId, routingId: p.routingId }));
  }

  getParent(node: ZmqTreeNode): ZmqTreeNode | undefined {
    return node.kind === 'peer' ? { kind: 'socket', socketId: node.socketId } : undefined;
  }

  dispose(): void {
    this.#unsubscribe();
    this.#changed.dispose();
  }
}
