/**
 * The topology: the debugger's sockets, their binds and connects, and every connection as a node,
 * drawn live as SVG from the same state as the tables. Edges to connections are coloured (and
 * dashed, for themes and eyes that do not tell colours apart) by phase: connecting, handshaking,
 * active, waiting to reconnect, failing, failed; each is labelled with its routing id, transport
 * and message rates. Clicking a connection (or Enter on it) filters the traffic to it and makes it
 * the send target; clicking a socket filters to the socket.
 *
 * A tap's relayed connection is drawn as its two ends: the app, accepted on the tap's bind
 * endpoint, and the upstream, reached through its connect endpoint; both nodes are the one pair.
 *
 * Endpoint nodes are labelled by what tells them apart (endpoint-label.ts: the port of two connects
 * on one host survives; the full endpoint is the node's title).
 *
 * Drawn by hand: three columns of boxes and cubic curves are a few dozen lines of SVG, where a
 * graph library would outweigh the whole webview and want `unsafe-eval` or inline styles the CSP
 * does not allow. The layout is rebuilt only when sockets, endpoints or connections come and go;
 * otherwise a redraw touches only the attributes and texts that changed, so 200 connections
 * updating every 50 ms stay cheap.
 */

import { endpointLabels } from '../endpoint-label';
import { PHASE_LABELS, PHASES, peerPhase } from '../peer-phase';
import type { PeerView, SocketView } from '../protocol';
import type { DebuggerState } from '../state';
import { socketRateKey } from '../state-keys';
import type { ViewContext } from './context';
import { cut, formatRate, h, setAttr, setText, svg } from './dom';

const ROW = 30;
const NODE_H = 22;
const SOCKET_X = 4;
const SOCKET_W = 112;
const EP_X = 128;
const EP_W = 172;
/** What fits in an endpoint node (10 px in from its left edge) at the picture's 11 px monospace. */
const ENDPOINT_LABEL_CHARS = 23;
/**
 * Where the peer column starts: the edge label before it ("#4294967295 · tcp · CURVE · ↓1.2k ↑1.2k/s", a libzmq-style
 * 10-digit routing id, the mechanism and the rates, at 12 px) must end before the peer and start after the endpoint.
 */
const PEER_X = 590;
/** A peer node holds `upstream SCATTER` (a tap pair's upstream end, the longest socket type) at 11 px monospace. */
const PEER_W = 120;
const WIDTH = PEER_X + PEER_W + 4;

interface PeerShape {
  /** The connection's key in the state (`socketId/connectionId`). */
  readonly peerKey: string;
  /** Which end of a tap's pair this node is; `app` as well for a socket's own connection. */
  readonly end: PairEnd;
  readonly group: SVGGElement;
  readonly box: SVGRectElement;
  readonly text: SVGTextElement;
  readonly title: SVGTitleElement;
  readonly edge: SVGPathElement;
  readonly label: SVGTextElement;
}

interface SocketShape {
  readonly group: SVGGElement;
  readonly text: SVGTextElement;
  readonly title: SVGTitleElement;
}

/** The topology picture. */
export class TopologyView {
  readonly element: HTMLDivElement;
  readonly #ctx: ViewContext;
  readonly #svg = svg('svg', { class: 'topology', testid: 'topology', role: 'group', 'aria-label': 'Topology: sockets, endpoints and connections', preserveAspectRatio: 'xMinYMin meet' });
  readonly #empty = h('div', { class: 'empty', testid: 'topology-empty' }, 'No sockets yet. Connect a peer, bind, or start a tap.');
  readonly #peers = new Map<string, PeerShape>();
  readonly #sockets = new Map<string, SocketShape>();
  /** The layout last built; null before the first, so that an empty first state is built too (and hides the picture). */
  #layoutSig: string | null = null;
  #state: DebuggerState | null = null;

  constructor(ctx: ViewContext) {
    this.#ctx = ctx;
    const legend = h('div', { class: 'legend', testid: 'topology-legend' },
      ...PHASES.map((phase) =>
        h('span', { class: 'legend-item' }, h('span', { class: `swatch phase-${phase}` }), PHASE_LABELS[phase])));
    this.element = h('div', { class: 'picture topology-pane', testid: 'topology-pane' },
      h('div', { class: 'picture-title' }, 'Topology', legend), h('div', { class: 'picture-body' }, this.#svg, this.#empty));
    this.#svg.addEventListener('click', (ev) => this.#activate(ev.target));
    this.#svg.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        this.#activate(ev.target);
      }
    });
  }

  update(state: DebuggerState): void {
    const prev = this.#state;
    this.#state = state;
    if (prev !== null && prev.sockets === state.sockets && prev.peers === state.peers && prev.rates === state.rates && prev.selectedPeer === state.selectedPeer && prev.filter === state.filter) return;
    const layout = layoutOf(state);
    if (layout.sig !== this.#layoutSig) {
      this.#layoutSig = layout.sig;
      this.#build(layout);
    }
    for (const shape of this.#peers.values()) {
      const peer = state.peers.get(shape.peerKey);
      if (peer !== undefined) fillPeer(shape, peer, state, shape.peerKey === state.selectedPeer);
    }
    for (const [socketId, shape] of this.#sockets) {
      const last = state.rates.get(socketRateKey(socketId))?.at(-1);
      const socket = state.sockets.find((s) => s.socketId === socketId);
      shape.group.classList.toggle('filtered', state.filter.socketId === socketId && state.filter.routingId === null);
      setText(shape.text, cut(socket?.label ?? socketId, 14));
      const security = socket === undefined || socket.security.mechanism === 'NULL' ? '' : `, ${socket.security.mechanism} ${socket.security.role ?? ''}`.trimEnd();
      setText(shape.title, `${socket?.label ?? socketId} (${socket?.type ?? 'PEER'}${security})${last ? `: ↓${formatRate(last[0])} ↑${formatRate(last[1])} msg/s` : ''}. Click: show its traffic`);
    }
  }

  #activate(target: EventTarget | null): void {
    const node = (target as Element | null)?.closest?.('[data-node]') as SVGGElement | null;
    if (node === null) return;
    const key = node.dataset.key ?? '';
    if (node.dataset.node === 'peer') this.#ctx.dispatch({ kind: 'ui/showPeer', key });
    else this.#ctx.dispatch({ kind: 'ui/showSocket', socketId: node.dataset.socketId ?? '' });
  }

  /** Rebuilds every shape for a new layout (sockets, endpoints or connections came or went). */
  #build(layout: Layout): void {
    this.#peers.clear();
    this.#sockets.clear();
    const edges = svg('g', { class: 'edges' });
    const nodes = svg('g', { class: 'nodes' });
    const shortLabels = endpointLabels(layout.sockets.flatMap((s) => s.endpoints), ENDPOINT_LABEL_CHARS);
    let endpointIndex = 0;
    for (const s of layout.sockets) {
      const y = s.top + (s.rows * ROW) / 2;
      const text = svg('text', { x: SOCKET_X + 8, y: y + 4 });
      const title = svg('title');
      const group = svg('g', { class: 'node socket', testid: 'topology-node', 'data-node': 'socket', 'data-socket-id': s.socket.socketId, tabindex: 0, role: 'button',
        'aria-label': `Socket ${s.socket.label}: show its traffic` },
        title, svg('rect', { x: SOCKET_X, y: y - NODE_H / 2, width: SOCKET_W, height: NODE_H, rx: 4 }), text);
      nodes.append(group);
      this.#sockets.set(s.socket.socketId, { group, text, title });
      for (const ep of s.endpoints) {
        const ey = ep.top + (ep.rows * ROW) / 2;
        edges.append(svg('path', { class: 'edge-socket', d: curve(SOCKET_X + SOCKET_W, y, EP_X, ey) }));
        const label = `${ep.role === 'bind' ? 'bind' : 'connect'} ${ep.endpoint}`;
        nodes.append(svg('g', { class: `node endpoint${ep.listed ? '' : ' unlisted'}`, testid: 'topology-node', 'data-node': 'endpoint', 'data-socket-id': s.socket.socketId, 'data-endpoint': ep.endpoint, tabindex: 0, role: 'button',
          'aria-label': `${label}: show the socket's traffic` },
          svg('title', {}, ep.listed ? label : `${label} (no longer bound or connected)`),
          svg('rect', { x: EP_X, y: ey - NODE_H / 2, width: EP_W, height: NODE_H, rx: 11 }),
          svg('text', { class: 'endpoint-label', testid: 'topology-endpoint-label', x: EP_X + 10, y: ey + 4 }, shortLabels[endpointIndex++])));
        ep.peers.forEach(({ peer, end }, i) => {
          const py = ep.top + i * ROW + ROW / 2;
          const key = `${peer.socketId}/${peer.connectionId}`;
          const edge = svg('path', { class: 'edge', testid: 'topology-edge', 'data-key': key, 'data-end': end, d: curve(EP_X + EP_W, ey, PEER_X, py) });
          const edgeLabel = svg('text', { class: 'edge-label', testid: 'topology-edge-label', 'data-key': key, 'data-end': end, x: PEER_X - 6, y: py - 4, 'text-anchor': 'end' });
          edges.append(edge, edgeLabel);
          const text = svg('text', { x: PEER_X + 8, y: py + 4 });
          const title = svg('title');
          const box = svg('rect', { x: PEER_X, y: py - NODE_H / 2, width: PEER_W, height: NODE_H, rx: 4 });
          const group = svg('g', { class: 'node peer', testid: 'topology-node', 'data-node': 'peer', 'data-key': key, 'data-end': end, 'data-socket-id': peer.socketId, tabindex: 0, role: 'button' }, title, box, text);
          nodes.append(group);
          this.#peers.set(end === 'app' ? key : `${key} ${end}`, { peerKey: key, end, group, box, text, title, edge, label: edgeLabel });
        });
      }
    }
    // Scaled down to the pane's width (never up): the whole picture stays in view beside the ladder.
    const height = Math.max(ROW, layout.rows * ROW) + 4;
    setAttr(this.#svg, 'viewBox', `0 0 ${WIDTH} ${height}`);
    this.#svg.style.maxWidth = `${WIDTH}px`;
    this.#svg.replaceChildren(edges, nodes);
    this.#empty.hidden = layout.sockets.length > 0;
    this.#svg.style.display = layout.sockets.length > 0 ? '' : 'none';
  }
}

function fillPeer(shape: PeerShape, peer: PeerView, state: DebuggerState, selected: boolean): void {
  const phase = peerPhase(peer);
  const key = `${peer.socketId}/${peer.connectionId}`;
  const cls = `phase-${phase}`;
  setAttr(shape.group, 'class', `node peer ${cls}${selected ? ' selected' : ''}`);
  setAttr(shape.group, 'data-phase', phase);
  setAttr(shape.edge, 'class', `edge ${cls}`);
  setAttr(shape.edge, 'data-phase', phase);
  // A tap's pair is named at each end by that end's socket type.
  const pair = peer.pair;
  const rid =
    pair !== undefined ? (shape.end === 'upstream' ? `upstream ${pair.upstreamSocketType ?? '?'}` : `app ${pair.appSocketType ?? '?'}`) : peer.routingId === null ? 'no id' : `#${peer.routingId}`;
  // The node names the peer; its colour and dashes (and its title) say the phase, as the legend shows.
  setText(shape.text, rid);
  const last = state.rates.get(key)?.at(-1);
  const rates = last === undefined ? '' : ` · ↓${formatRate(last[0])} ↑${formatRate(last[1])}/s`;
  // The mechanism when there is one: a secured connection says so on the picture.
  const security = peer.mechanism === null || peer.mechanism === 'NULL' || peer.mechanism === 'none' ? '' : ` · ${peer.mechanism}`;
  setText(shape.label, `${rid} · ${peer.transport}${security}${rates}`);
  const where =
    pair !== undefined && shape.end === 'upstream'
      ? `the tap's connection to ${pair.upstream}${pair.upstreamAddress ? ` (${pair.upstreamAddress})` : ''}, relaying for app ${pair.appSocketType ?? '?'}`
      : `${peer.role === 'connect' ? 'connected to' : 'accepted on'} ${peer.endpoint}${peer.remoteAddress ? ` from ${peer.remoteAddress}` : ''}`;
  const name = `${rid} ${PHASE_LABELS[phase]} (${peer.state}), ${where}`;
  setText(shape.title, `${name}${peer.lastError ? `\nLast error: ${peer.lastError}` : ''}\nClick: show its traffic and send to it`);
  setAttr(shape.group, 'aria-label', `${name}: show its traffic and send to it`);
}

/** Which end of a tap's relayed pair a node draws: the app that connected to the tap, or the upstream it relays to. */
type PairEnd = 'app' | 'upstream';

interface EndpointLayout {
  readonly role: 'bind' | 'connect';
  readonly endpoint: string;
  /** False for a connection whose endpoint the socket no longer lists (a failed one, kept). */
  readonly listed: boolean;
  /** The connections drawn off this endpoint (a tap's pair twice: its app end here, its upstream end at the connect). */
  readonly peers: { readonly peer: PeerView; readonly end: PairEnd }[];
  top: number;
  rows: number;
}

interface SocketLayout {
  readonly socket: SocketView;
  readonly endpoints: EndpointLayout[];
  top: number;
  rows: number;
}

interface Layout {
  readonly sockets: SocketLayout[];
  readonly rows: number;
  /** Changes exactly when a shape must be added or removed. */
  readonly sig: string;
}

/** Rows for every socket, endpoint and connection: one row per connection, at least one per endpoint and socket. */
function layoutOf(state: DebuggerState): Layout {
  const sockets: SocketLayout[] = [];
  let row = 0;
  const sig: string[] = [];
  for (const socket of state.sockets) {
    const endpoints: EndpointLayout[] = [
      ...socket.bound.map((endpoint): EndpointLayout => ({ role: 'bind', endpoint, listed: true, peers: [], top: 0, rows: 1 })),
      ...socket.connected.map((endpoint): EndpointLayout => ({ role: 'connect', endpoint, listed: true, peers: [], top: 0, rows: 1 })),
    ];
    const endpointFor = (role: 'bind' | 'connect', endpoint: string): EndpointLayout => {
      let ep = endpoints.find((e) => e.role === role && e.endpoint === endpoint);
      if (ep === undefined) {
        ep = { role, endpoint, listed: false, peers: [], top: 0, rows: 1 };
        endpoints.push(ep);
      }
      return ep;
    };
    for (const peer of state.peers.values()) {
      if (peer.socketId !== socket.socketId) continue;
      endpointFor(peer.role, peer.endpoint).peers.push({ peer, end: 'app' });
      if (peer.pair !== undefined) endpointFor('connect', peer.pair.upstream).peers.push({ peer, end: 'upstream' });
    }
    const layout: SocketLayout = { socket, endpoints, top: row, rows: 0 };
    sig.push(`S${socket.socketId}:${socket.label}`);
    for (const ep of endpoints) {
      ep.top = row * ROW;
      ep.rows = Math.max(1, ep.peers.length);
      row += ep.rows;
      sig.push(`E${ep.role}${ep.endpoint}${ep.listed ? '' : '?'}`, ...ep.peers.map(({ peer, end }) => `P${peer.connectionId}${end === 'app' ? '' : end}`));
    }
    layout.rows = Math.max(1, row - layout.top);
    if (endpoints.length === 0) row += 1;
    layout.top *= ROW;
    sockets.push(layout);
  }
  return { sockets, rows: row, sig: sig.join('|') };
}

/** A cubic curve between two nodes, leaving and arriving horizontally. */
function curve(x1: number, y1: number, x2: number, y2: number): string {
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}
