/**
 * The debugger webview's entry (bundled to dist/webview.js). It posts `ready`, folds every host
 * message into the state with the reducer, and redraws at most once per animation frame, however
 * fast traffic arrives. `vscode.setState` keeps only view state (filters, selection, drafts); the
 * live state always comes from the host's `init`.
 */

import { PROTOCOL_VERSION, type HostToWebview, type PeerView, type TrafficView, type WebviewToHost } from './protocol';
import { RpcClient } from './rpc';
import { initialState, reduce, viewStateOf, type Action, type DebuggerState, type UiAction, type ViewState } from './state';
import type { ViewContext } from './views/context';
import { h } from './views/dom';
import { InspectorView } from './views/inspector-view';
import { LadderView } from './views/ladder-view';
import { PeersView } from './views/peers-view';
import { SendView } from './views/send-view';
import { TimelineView } from './views/timeline-view';
import { TopologyView } from './views/topology-view';

const vscode = acquireVsCodeApi<ViewState>();
const rpc = new RpcClient((msg: WebviewToHost) => vscode.postMessage(msg));

let state: DebuggerState = reduce(initialState(), { kind: 'ui/restore', view: vscode.getState() });
let savedView: ViewState = viewStateOf(state);
let frameRequested = false;
let views: { peers: PeersView; topology: TopologyView; ladder: LadderView; timeline: TimelineView; inspector: InspectorView; send: SendView } | null = null;

const ctx: ViewContext = {
  state: () => state,
  dispatch: (action: UiAction) => apply(action),
  request: (method, params) => rpc.request(method, params),
};

function apply(action: Action, redraw = true): void {
  const next = reduce(state, action);
  if (next === state) return;
  state = next;
  const view = viewStateOf(state);
  if (view.filter !== savedView.filter || view.draft !== savedView.draft || view.selectedSeq !== savedView.selectedSeq
    || view.selectedPeer !== savedView.selectedPeer || view.autoScroll !== savedView.autoScroll) {
    savedView = view;
    vscode.setState(view);
  }
  if (redraw) schedule();
}

function schedule(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(render);
}

// Traffic and peer events are folded in once per animation frame, as one batch each: with 50,000
// msgs/s the reducer (and the ring copy it makes) runs at most 60 times a second, not once per
// host message, and 200 busy connections cost one peer-map copy per frame, not 200.
let pendingFrames: TrafficView[] = [];
let pendingDropped = 0;
let pendingPeers: PeerView[] = [];

function flushPeers(redraw: boolean): void {
  if (pendingPeers.length === 0) return;
  const peers = pendingPeers;
  pendingPeers = [];
  apply({ kind: 'peerBatch', peers }, redraw);
}

function flushTraffic(redraw: boolean): void {
  if (pendingFrames.length === 0 && pendingDropped === 0) return;
  const frames = pendingFrames;
  const dropped = pendingDropped;
  pendingFrames = [];
  pendingDropped = 0;
  apply({ kind: 'event', event: { type: 'traffic', frames, dropped } }, redraw);
}

function render(): void {
  frameRequested = false;
  // Order kept between the two batches: they hold only peer updates and frames, which do not interact.
  flushPeers(false);
  flushTraffic(false);
  const root = document.getElementById('app');
  if (root === null) return;
  if (!state.initialised) return;
  if (views === null) {
    const inspector: InspectorView = new InspectorView(() => timeline.focus());
    const timeline: TimelineView = new TimelineView(ctx, () => inspector.focus());
    const ladder = new LadderView();
    views = { peers: new PeersView(ctx, ladder.element), topology: new TopologyView(ctx), ladder, timeline, inspector, send: new SendView(ctx) };
    // Left: sockets, the selected connection's handshake, peers, events. Right: the topology above
    // the traffic, the inspector and the send form below it.
    const right = h('div', { class: 'pane', testid: 'right-pane' },
      h('div', { class: 'pictures', testid: 'pictures' }, views.topology.element),
      views.timeline.element,
      h('div', { class: 'bottom' }, views.inspector.element, views.send.element));
    root.replaceChildren(views.peers.element, right);
  }
  views.peers.update(state);
  views.topology.update(state);
  views.ladder.update(state);
  views.timeline.update(state);
  views.inspector.update(state);
  views.send.update(state);
}

function isHostMessage(data: unknown): data is HostToWebview {
  if (typeof data !== 'object' || data === null) return false;
  const kind = (data as { kind?: unknown }).kind;
  return kind === 'init' || kind === 'response' || kind === 'event';
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const msg = ev.data;
  if (!isHostMessage(msg)) return;
  if (rpc.handle(msg)) return;
  if (msg.kind === 'event' && msg.event.type === 'traffic') {
    for (const f of msg.event.frames) pendingFrames.push(f);
    pendingDropped += msg.event.dropped ?? 0;
    // Without animation frames (a hidden page) the batch would grow: the ring keeps only bufferSize anyway.
    if (pendingFrames.length > 2 * state.bufferSize) {
      pendingDropped += pendingFrames.length - state.bufferSize;
      pendingFrames = pendingFrames.slice(-state.bufferSize);
    }
    schedule();
    return;
  }
  if (msg.kind === 'event' && msg.event.type === 'peer') {
    pendingPeers.push(msg.event.peer);
    schedule();
    return;
  }
  // Keep order: updates and frames that arrived before this message are applied first.
  flushPeers(false);
  flushTraffic(false);
  apply(msg);
});

window.addEventListener('pagehide', () => rpc.dispose());

vscode.postMessage({ kind: 'ready', version: PROTOCOL_VERSION });
