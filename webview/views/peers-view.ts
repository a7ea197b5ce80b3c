/**
 * The left pane: sockets (bound and connected endpoints, their security, a message-rate sparkline
 * each), the endpoint form (socket or security profile, endpoint, Connect, Bind), the
 * selected connection's handshake ladder, and the connections ("peers"): routing id, handshake state as it moves, a sparkline, and a warning in
 * the row's head when a connect keeps failing or a handshake failed; below it transport,
 * addresses, READY properties, counters, queue depth, last heartbeat and last error. Then the
 * monitor events, grouped (`CONNECT_RETRIED ×42`). Rows are keyed, so a peer update rewrites only
 * its own text.
 */

import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { eventGroupLabel } from '../event-log';
import { PHASE_LABELS, peerPhase } from '../peer-phase';
import type { EventView, PeerView, ProfileSummary, SocketSecurity, SocketView, TapPairView } from '../protocol';
import type { DebuggerState } from '../state';
import { socketRateKey } from '../state-keys';
import type { ViewContext } from './context';
import { RpcError } from '../rpc';
import { formatBytes, formatTime, h, setOptions, setText } from './dom';
import { Sparkline } from './sparkline';

/** Events shown in the log (the state keeps more). */
const EVENTS_SHOWN = 200;

interface PeerEls {
  readonly row: HTMLDivElement;
  readonly fields: Record<string, HTMLElement>;
  readonly state: HTMLElement;
  readonly rid: HTMLElement;
  readonly problem: HTMLElement;
  readonly disconnect: HTMLElement;
  readonly spark: Sparkline;
}

const PEER_FIELDS: readonly [testid: string, label: string, value: (p: PeerView) => string][] = [
  ['peer-transport', 'Transport', (p) => `${p.transport} (${p.role})`],
  ['peer-endpoint', 'Endpoint', (p) => p.endpoint],
  ['peer-local-address', 'Local', (p) => p.localAddress ?? '—'],
  ['peer-remote-address', 'Remote', (p) => p.remoteAddress ?? '—'],
  ['peer-zmtp', 'ZMTP', (p) => [p.zmtpVersion, p.mechanism].filter((x) => x !== null).join(' ') || '—'],
  ['peer-security', 'Security', (p) => peerSecurity(p)],
  ['peer-user-id', 'User-Id', (p) => p.peerProperties['User-Id'] ?? '—'],
  ['peer-properties', 'Properties', (p) => Object.entries(p.peerProperties).map(([k, v]) => `${k}=${v}`).join(', ') || '—'],
  ['peer-messages', 'Msgs in/out', (p) => `${p.messagesIn} / ${p.messagesOut}`],
  ['peer-bytes', 'Bytes in/out', (p) => `${formatBytes(p.bytesIn)} / ${formatBytes(p.bytesOut)}`],
  ['peer-queue', 'Queued out/in', (p) => `${p.queuedOut} / ${p.queuedIn}`],
  ['peer-heartbeat', 'Heartbeat', (p) => (p.lastHeartbeat === null ? '—' : formatTime(p.lastHeartbeat))],
  ['peer-reconnects', 'Reconnects', (p) => String(p.reconnects)],
  ['peer-error', 'Last error', (p) => p.lastError ?? '—'],
];

/** A connection's mechanism and our side of it (`CURVE · we are the client`), or a terminating tap's two sides. */
function peerSecurity(peer: PeerView): string {
  if (peer.mechanism === null) return '—';
  if (peer.pair?.curveTerminated === true && peer.mechanism === 'CURVE') return 'CURVE · terminated by the tap: server to the app, client to the upstream';
  if (peer.securityRole === null) return peer.mechanism === 'NULL' ? 'NULL (no security)' : peer.mechanism;
  return `${peer.mechanism} · we are the ${peer.securityRole}`;
}

/** The first characters of a public key, enough to tell keys apart on screen (as the extension's pickers show them). */
function shortKey(key: string): string {
  return `${key.slice(0, 8)}…`;
}

/**
 * A socket's security in one line: `CURVE client · profile "prod"`, `NULL (no security)`; a tap's
 * `relayed as is` or `terminating CURVE · server key rq:rM>}U… · client key Yne@$w-v…`.
 */
export function socketSecurityText(security: SocketSecurity): string {
  if (security.terminating !== undefined) return `terminating CURVE · server key ${shortKey(security.terminating.serverKey)} · client key ${shortKey(security.terminating.clientKey)}`;
  const kind = security.role === null ? `${security.mechanism}${security.mechanism === 'NULL' ? ' (no security)' : ''}` : `${security.mechanism} ${security.role}`;
  return security.profile === null ? kind : `${kind} · profile "${security.profile}"`;
}

/** The full keys and their profiles of a terminating tap, for the security line's tooltip; null otherwise. */
function terminatingTitle(security: SocketSecurity): string | null {
  const t = security.terminating;
  if (t === undefined) return null;
  return `The tap ends CURVE on both legs and shows the traffic decrypted. Apps must trust server key ${t.serverKey} (profile "${t.serverProfile}"); the upstream sees client key ${t.clientKey} (profile "${t.clientProfile}").`;
}

/** The endpoint form's choice for "no profile": the picked socket, with its own security. */
const NO_PROFILE = '';

/** The sockets, peers and event log. */
export class PeersView {
  readonly element: HTMLDivElement;
  readonly #ctx: ViewContext;
  readonly #sockets = h('div', { testid: 'socket-list' });
  readonly #peers = h('div', { testid: 'peer-list', role: 'list' });
  readonly #peerCount = h('vscode-badge', { testid: 'peer-count', variant: 'counter' });
  readonly #events = h('div', { testid: 'event-list' });
  readonly #rows = new Map<string, PeerEls>();
  /**
   * Rows on screen (or near it). With 200 busy connections every one changes every 50 ms; rows out of
   * view are brought up to date only when they scroll in, so a frame touches a screenful, not all 200.
   */
  readonly #onScreen = new Set<string>();
  readonly #observer: IntersectionObserver;
  readonly #socketSparks = new Map<string, Sparkline>();
  readonly #socketSelect = h('vscode-single-select', { testid: 'endpoint-socket', title: 'Socket' });
  readonly #profileSelect = h('vscode-single-select', { testid: 'endpoint-profile', title: 'Security profile (zmqPeer.security.profiles): a profile connects and binds from a socket of its own' });
  readonly #endpoint = h('vscode-textfield', { testid: 'endpoint-input', placeholder: 'tcp://127.0.0.1:5555' });
  readonly #endpointResult = h('div', { class: 'endpoint', testid: 'endpoint-result', role: 'status' });
  #state: DebuggerState | null = null;

  /** `handshake`: the selected connection's handshake ladder, shown above the peers. */
  constructor(ctx: ViewContext, handshake: HTMLElement) {
    this.#ctx = ctx;
    const connect = h('vscode-button', { testid: 'connect-button', secondary: true, title: 'connectPeer: a new routing id for this endpoint' }, 'Connect');
    const bind = h('vscode-button', { testid: 'bind-button', secondary: true, title: 'Bind the socket to this endpoint' }, 'Bind');
    connect.addEventListener('click', () => void this.#onEndpoint('socket/connectPeer'));
    bind.addEventListener('click', () => void this.#onEndpoint('socket/bind'));
    this.#profileSelect.addEventListener('change', () => this.#syncSocketChoice());
    this.#observer = new IntersectionObserver((entries) => this.#onIntersect(entries), { rootMargin: '200px 0px' });
    this.#peers.addEventListener('click', (ev) => this.#onClick(ev));
    this.#peers.addEventListener('keydown', (ev) => {
      // Keys on the row itself; its buttons handle their own.
      if ((ev.key === 'Enter' || ev.key === ' ') && (ev.target as Element | null)?.classList?.contains('peer')) {
        ev.preventDefault();
        this.#onClick(ev);
      }
    });
    this.element = h('div', { class: 'pane pane-left', testid: 'peers-pane' },
      h('div', { class: 'section-title' }, 'Sockets'), this.#sockets,
      h('div', { class: 'toolbar', testid: 'endpoint-form' }, this.#socketSelect, this.#profileSelect, this.#endpoint, connect, bind), this.#endpointResult,
      h('div', { class: 'section-title' }, 'Handshake'), handshake,
      h('div', { class: 'section-title' }, 'Peers ', this.#peerCount), this.#peers,
      h('div', { class: 'section-title' }, 'Events'), this.#events);
  }

  update(state: DebuggerState): void {
    const prev = this.#state;
    this.#state = state;
    if (prev === null || prev.sockets !== state.sockets) this.#drawSockets(state.sockets);
    if (prev === null || prev.profiles !== state.profiles) this.#drawProfiles(state.profiles);
    if (prev === null || prev.peers !== state.peers || prev.selectedPeer !== state.selectedPeer || prev.sockets !== state.sockets) this.#drawPeers(state);
    if (prev === null || prev.events !== state.events) this.#drawEvents(state.events);
    if (prev === null || prev.rates !== state.rates || prev.sockets !== state.sockets || prev.peers !== state.peers) {
      for (const [socketId, spark] of this.#socketSparks) spark.update(state.rates.get(socketRateKey(socketId)));
      for (const key of this.#onScreen) this.#rows.get(key)?.spark.update(state.rates.get(key));
    }
  }

  async #onEndpoint(method: 'socket/connectPeer' | 'socket/bind'): Promise<void> {
    const socketId = this.#socketSelect.value;
    const profile = this.#profileSelect.value;
    const endpoint = this.#endpoint.value.trim();
    if ((socketId === '' && profile === NO_PROFILE) || endpoint === '') {
      setText(this.#endpointResult, 'Pick a socket and type an endpoint');
      return;
    }
    setText(this.#endpointResult, '…');
    const params = profile === NO_PROFILE ? { socketId, endpoint } : { socketId, endpoint, profile };
    const via = profile === NO_PROFILE ? '' : ` with profile "${profile}"`;
    try {
      if (method === 'socket/connectPeer') {
        const { routingId } = await this.#ctx.request('socket/connectPeer', params);
        setText(this.#endpointResult, `Connecting ${endpoint}${via}: routing id #${routingId}`);
      } else {
        const r = await this.#ctx.request('socket/bind', params);
        setText(this.#endpointResult, `Bound ${r.endpoint}${via}`);
      }
    } catch (err) {
      const code = err instanceof RpcError ? err.code : 'EINTERNAL';
      setText(this.#endpointResult, `${code}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The profile choice: none (the picked socket as it is) or one of the settings' profiles. */
  #drawProfiles(profiles: readonly ProfileSummary[]): void {
    const current = this.#profileSelect.value;
    const keep = profiles.some((p) => p.name === current) ? current : NO_PROFILE;
    setOptions(this.#profileSelect, [
      { value: NO_PROFILE, label: profiles.length === 0 ? 'No security profiles' : 'No profile (the socket\'s own security)' },
      ...profiles.map((p) => ({ value: p.name, label: `${p.name} · ${p.mechanism} ${p.role}` })),
    ], keep);
    this.#profileSelect.title = profiles.length === 0
      ? 'No security profiles: add one with "ZMQ: Add Security Profile" (zmqPeer.security.profiles)'
      : `Security profile: ${profiles.map((p) => `${p.name}: ${p.description}`).join('; ')}`;
    this.#syncSocketChoice();
  }

  /** A profile brings its own socket: the socket choice is for no profile, and says so. */
  #syncSocketChoice(): void {
    const profiled = (this.#profileSelect.value ?? NO_PROFILE) !== NO_PROFILE;
    this.#socketSelect.toggleAttribute('disabled', profiled);
    this.#socketSelect.title = profiled ? 'The security profile uses a socket of its own' : 'Socket';
  }

  #drawSockets(sockets: readonly SocketView[]): void {
    const current = this.#socketSelect.value;
    const keep = sockets.some((s) => s.socketId === current) ? current : (sockets[0]?.socketId ?? '');
    // A tap is listed with the sockets, but it neither connects nor binds on request.
    const own = sockets.filter((s) => s.type !== 'TAP');
    const keepOwn = own.some((s) => s.socketId === keep) ? keep : (own[0]?.socketId ?? '');
    setOptions(this.#socketSelect, own.map((s) => ({ value: s.socketId, label: s.label })), keepOwn);
    if (sockets.length === 0) {
      this.#sockets.replaceChildren(h('div', { class: 'empty', testid: 'socket-empty' }, 'No sockets yet. Run “ZMQ: Connect Peer”, “ZMQ: Bind” or “ZMQ: Start Tap”.'));
      return;
    }
    const sparks = new Map<string, Sparkline>();
    this.#sockets.replaceChildren(...sockets.map((s) => {
      const spark = this.#socketSparks.get(s.socketId) ?? new Sparkline('socket-rate');
      sparks.set(s.socketId, spark);
      spark.update(this.#state?.rates.get(socketRateKey(s.socketId)));
      return h('div', { class: 'socket', testid: 'socket-row', 'data-socket-id': s.socketId },
        h('div', { class: 'socket-head' }, h('span', { class: 'label', testid: 'socket-label' }, `${s.label} `, h('span', { class: 'endpoint' }, s.type)), spark.element),
        h('div', { class: 'endpoint', testid: 'socket-security', 'data-mechanism': s.security.mechanism, title: terminatingTitle(s.security) }, socketSecurityText(s.security)),
        s.security.publicKey === null ? null : h('div', { class: 'endpoint public-key', testid: 'socket-public-key', title: 'Our CURVE public key (Z85): what a server\'s allow-list needs' }, `public key ${s.security.publicKey}`),
        ...s.bound.map((e) => h('div', { class: 'endpoint', testid: 'socket-bound' }, `bound ${e}`)),
        ...s.connected.map((e) => h('div', { class: 'endpoint', testid: 'socket-connected' }, `→ ${e}`)));
    }));
    this.#socketSparks.clear();
    for (const [id, spark] of sparks) this.#socketSparks.set(id, spark);
  }

  #drawPeers(state: DebuggerState): void {
    setText(this.#peerCount, String(state.peers.size));
    if (state.peers.size === 0) {
      for (const els of this.#rows.values()) this.#observer.unobserve(els.row);
      this.#rows.clear();
      this.#onScreen.clear();
      this.#peers.replaceChildren(h('div', { class: 'empty', testid: 'peer-empty' }, 'No connections.'));
      return;
    }
    const labels = new Map(state.sockets.map((s) => [s.socketId, s.label]));
    const order: HTMLElement[] = [];
    for (const [key, peer] of state.peers) {
      let els = this.#rows.get(key);
      const fresh = els === undefined;
      if (els === undefined) {
        els = makePeerRow(key, peer);
        this.#rows.set(key, els);
        this.#observer.observe(els.row);
      }
      if (fresh || this.#onScreen.has(key)) {
        fillPeer(els, peer, labels.get(peer.socketId) ?? peer.socketId, key === state.selectedPeer);
        els.spark.update(state.rates.get(key));
      }
      order.push(els.row);
    }
    for (const [key, els] of [...this.#rows]) {
      if (state.peers.has(key)) continue;
      this.#observer.unobserve(els.row);
      this.#rows.delete(key);
      this.#onScreen.delete(key);
    }
    // Re-append only when membership or order changed.
    const children = this.#peers.children;
    let same = children.length === order.length;
    for (let i = 0; same && i < order.length; i++) same = children[i] === order[i];
    if (!same) this.#peers.replaceChildren(...order);
  }

  /** Rows scrolling into view are brought up to date with the state now. */
  #onIntersect(entries: IntersectionObserverEntry[]): void {
    const state = this.#state;
    const labels = new Map(state?.sockets.map((s) => [s.socketId, s.label]) ?? []);
    for (const entry of entries) {
      const key = (entry.target as HTMLElement).dataset.key ?? '';
      if (!entry.isIntersecting) {
        this.#onScreen.delete(key);
        continue;
      }
      this.#onScreen.add(key);
      const peer = state?.peers.get(key);
      const els = this.#rows.get(key);
      if (state === null || peer === undefined || els === undefined) continue;
      fillPeer(els, peer, labels.get(peer.socketId) ?? peer.socketId, key === state.selectedPeer);
      els.spark.update(state.rates.get(key));
    }
  }

  #drawEvents(events: readonly EventView[]): void {
    const shown = events.slice(-EVENTS_SHOWN).reverse();
    if (shown.length === 0) {
      this.#events.replaceChildren(h('div', { class: 'empty' }, 'No events.'));
      return;
    }
    this.#events.replaceChildren(...shown.map((e) => h('div', { class: 'event', testid: 'event-row', 'data-type': e.type, 'data-count': e.count,
      title: e.count > 1 ? `${e.count} times from ${formatTime(e.firstTime)} to ${formatTime(e.time)}` : null },
      `${formatTime(e.time)} `, h('span', { class: e.count > 1 ? 'event-type grouped' : 'event-type', testid: 'event-type' }, eventGroupLabel(e)),
      ` ${e.endpoint}${e.routingId === null ? '' : ` #${e.routingId}`} `,
      e.error === null ? null : h('span', { class: 'err' }, e.error))));
  }

  #onClick(ev: Event): void {
    const target = ev.target as Element | null;
    const row = target?.closest?.('.peer') as HTMLElement | null;
    if (row === null || row.dataset.key === undefined) return;
    const key = row.dataset.key;
    if (target?.closest?.('[data-testid="peer-disconnect"]')) {
      const peer = this.#state?.peers.get(key);
      if (peer !== undefined) void this.#ctx.request('peer/disconnect', { socketId: peer.socketId, connectionId: peer.connectionId }).catch(() => undefined);
      return;
    }
    if (target?.closest?.('[data-testid="peer-filter"]')) {
      this.#ctx.dispatch({ kind: 'ui/showPeer', key });
      return;
    }
    this.#ctx.dispatch({ kind: 'ui/selectPeer', key: this.#state?.selectedPeer === key ? null : key });
  }
}

function makePeerRow(key: string, peer: PeerView): PeerEls {
  const rid = h('span', { class: 'rid', testid: 'peer-routing-id' });
  const state = h('span', { class: 'state', testid: 'peer-state' });
  const problem = h('div', { class: 'peer-problem', testid: 'peer-problem', role: 'alert' });
  const spark = new Sparkline('peer-rate');
  const fields: Record<string, HTMLElement> = {};
  const dl = h('dl');
  for (const [testid, label] of PEER_FIELDS) {
    const dd = h('dd', { testid });
    fields[testid] = dd;
    dl.append(h('dt', {}, label), dd);
  }
  const socket = h('span', { class: 'endpoint', testid: 'peer-socket' });
  fields['peer-socket'] = socket;
  const disconnect = h('vscode-button', { testid: 'peer-disconnect', secondary: true, title: 'Disconnect this peer' }, 'Disconnect');
  const row = h('div', { class: 'peer', testid: 'peer-row', role: 'listitem', tabindex: 0, 'data-key': key, 'data-socket-id': peer.socketId, 'data-connection-id': peer.connectionId },
    h('div', { class: 'peer-head' }, rid, state, socket, spark.element,
      h('vscode-button', { testid: 'peer-filter', secondary: true, title: 'Show only this routing id in the traffic, and send to it' }, 'Filter'),
      disconnect),
    problem,
    dl);
  return { row, fields, state, rid, problem, disconnect, spark };
}

/** A tap's relayed connection: `app DEALER ↔ upstream PEER` (`?` until a READY names a type). */
export function pairLabel(pair: TapPairView): string {
  return `app ${pair.appSocketType ?? '?'} ↔ upstream ${pair.upstreamSocketType ?? '?'}`;
}

/** The warning a row shows in its head, empty when all is well. */
function problemOf(peer: PeerView): string {
  // A tap's pair: the tap's own diagnosis, in its words.
  if (peer.pair !== undefined && peer.pair.diagnosis !== null) return `${peer.pair.severity === 'error' ? '✕' : '⚠'} ${peer.pair.diagnosis}`;
  switch (peerPhase(peer)) {
    case 'failing':
      return `⚠ Failing: ${peer.lastError ?? 'no answer'} · ${peer.reconnects} attempts, still retrying`;
    case 'failed':
      return `✕ Handshake failed: ${peer.lastError ?? 'unknown error'}`;
    case 'waiting':
      return peer.lastError === null ? '' : `Reconnecting after: ${peer.lastError}`;
    default:
      return '';
  }
}

function fillPeer(els: PeerEls, peer: PeerView, socketLabel: string, selected: boolean): void {
  setText(els.rid, peer.pair !== undefined ? pairLabel(peer.pair) : peer.routingId === null ? 'no routing id' : `#${peer.routingId}`);
  els.rid.title = peer.pair === undefined ? '' : `app ${peer.pair.appAddress ?? '?'} ↔ tap ↔ upstream ${peer.pair.upstreamAddress ?? peer.pair.upstream}`;
  els.row.dataset.pair = String(peer.pair !== undefined);
  els.row.dataset.routingId = peer.routingId === null ? '' : String(peer.routingId);
  els.row.dataset.state = peer.state;
  const phase = peerPhase(peer);
  els.row.dataset.phase = phase;
  setText(els.state, peer.ended ? `${peer.state} · handshake failed` : peer.state);
  els.state.className = `state phase-${phase}`;
  els.state.title = PHASE_LABELS[phase];
  const problem = problemOf(peer);
  setText(els.problem, problem);
  els.problem.hidden = problem === '';
  els.problem.className = `peer-problem phase-${peer.pair?.severity === 'warning' && phase !== 'failed' ? 'failing' : phase}`;
  setText(els.disconnect, peer.ended ? 'Dismiss' : 'Disconnect');
  // A relayed connection ends when the app or the upstream ends it; a failed one can be dismissed.
  els.disconnect.hidden = peer.pair !== undefined && !peer.ended;
  els.disconnect.title = peer.ended ? 'Forget this failed connection' : 'Disconnect this peer';
  setText(els.fields['peer-socket'], socketLabel);
  for (const [testid, , value] of PEER_FIELDS) setText(els.fields[testid], value(peer));
  els.row.classList.toggle('selected', selected);
  els.row.setAttribute('aria-selected', String(selected));
}
