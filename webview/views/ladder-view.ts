/**
 * The handshake ladder of the selected connection, as a sequence diagram in SVG: our socket on the
 * left, the peer on the right, one arrow per step: the connect (or accept), both greetings, both
 * READYs with their properties, the first heartbeats and data frames. When an attempt failed, the
 * failing step is a red bar with the error's code, and below the picture its message and one
 * sentence saying what to do. While a retry loop runs, the last failed attempt stays in view.
 */

import { PHASE_LABELS, peerPhase } from '../peer-phase';
import type { LadderAttempt, LadderStep, PeerView } from '../protocol';
import type { DebuggerState } from '../state';
import { cut, formatTime, h, setText, svg } from './dom';

const STEP = 34;
const TOP = 26;
const TIME_W = 44;
const US_X = TIME_W + 22;
const THEM_X = US_X + 200;
const WIDTH = THEM_X + 36;

/** The ladder picture. */
export class LadderView {
  readonly element: HTMLDivElement;
  readonly #title = h('div', { class: 'ladder-title', testid: 'ladder-title' });
  readonly #svg = svg('svg', { class: 'ladder', testid: 'ladder', role: 'img' });
  readonly #error = h('div', { class: 'ladder-error', testid: 'ladder-error', role: 'alert' });
  readonly #advice = h('div', { class: 'ladder-advice', testid: 'ladder-advice' });
  #shown: unknown = undefined;

  constructor() {
    this.element = h('div', { class: 'ladder-pane', testid: 'ladder-pane' }, this.#title, this.#svg, this.#error, this.#advice);
  }

  update(state: DebuggerState): void {
    const key = state.selectedPeer;
    const peer = key === null ? undefined : state.peers.get(key);
    const ladder = key === null ? undefined : state.ladders.get(key);
    // Redraw when the ladder or the peer's phase changed; counters moving do not matter here.
    const sig = peer === undefined ? null : `${peerPhase(peer)}|${peer.state}`;
    const shown = [ladder, sig];
    if (this.#shown !== undefined && (this.#shown as unknown[])[0] === ladder && (this.#shown as unknown[])[1] === sig) return;
    this.#shown = shown;
    if (peer === undefined || ladder === undefined) {
      setText(this.#title, peer === undefined ? 'Select a peer (a row on the left, or a node in the topology) to see its handshake.' : 'No handshake recorded for this connection yet.');
      this.#svg.replaceChildren();
      this.#svg.style.display = 'none';
      this.#error.hidden = true;
      this.#advice.hidden = true;
      return;
    }
    // While an attempt is under way after a failed one, the failure is what explains the state.
    const current = ladder.current;
    const attempt = current.outcome === 'pending' && ladder.lastFailed !== null ? ladder.lastFailed : current;
    const rid = peer.routingId === null ? 'no routing id' : `#${peer.routingId}`;
    const note = attempt !== current ? ` · attempt ${attempt.attempt} failed, attempt ${current.attempt} under way` : ` · attempt ${attempt.attempt}`;
    setText(this.#title, `${rid} · ${peer.endpoint} · ${PHASE_LABELS[peerPhase(peer)]}${note}`);
    this.element.dataset.outcome = attempt.outcome;
    this.#draw(attempt, peer);
    this.#error.hidden = attempt.error === null;
    this.#advice.hidden = attempt.error === null;
    const e = attempt.error;
    // The core's messages often start with their code already ("ECONNREFUSED: connect …").
    setText(this.#error, e === null ? '' : e.message.startsWith(e.code) ? e.message : `${e.code}: ${e.message}`);
    setText(this.#advice, attempt.error?.advice ?? '');
  }

  #draw(attempt: LadderAttempt, peer: PeerView): void {
    const steps = attempt.steps;
    const height = TOP + Math.max(1, steps.length) * STEP + 8;
    this.#svg.style.display = '';
    this.#svg.setAttribute('viewBox', `0 0 ${WIDTH} ${height}`);
    this.#svg.style.maxWidth = `${WIDTH}px`;
    this.#svg.setAttribute('aria-label', `Handshake of ${peer.routingId === null ? 'a connection' : `routing id ${peer.routingId}`}: ${steps.map((s) => s.label).join(', ')}`);
    const t0 = steps[0]?.time ?? 0;
    const them = peer.remoteAddress ?? peer.endpoint;
    this.#svg.replaceChildren(
      svg('text', { class: 'lifeline-name', x: 2, y: 14 }, 'this socket'),
      svg('text', { class: 'lifeline-name', x: WIDTH - 2, y: 14, 'text-anchor': 'end' }, cut(them, 28)),
      svg('line', { class: 'lifeline', x1: US_X, y1: 20, x2: US_X, y2: height - 4 }),
      svg('line', { class: 'lifeline', x1: THEM_X, y1: 20, x2: THEM_X, y2: height - 4 }),
      ...steps.map((step, i) => drawStep(step, TOP + i * STEP + STEP / 2, t0)),
    );
  }
}

/** One step: an arrow between the lifelines, or a note (or an error bar) at our end. */
function drawStep(step: LadderStep, y: number, t0: number): SVGGElement {
  const time = svg('text', { class: 'step-time', x: TIME_W - 4, y: y + 4, 'text-anchor': 'end' }, sinceStart(step.time - t0));
  const title = svg('title', {}, `${formatTime(step.time)} ${step.label}${step.detail ? `\n${step.detail}` : ''}`);
  const attrs = { class: `step step-${step.kind}`, testid: 'ladder-step', 'data-kind': step.kind, 'data-direction': step.direction, 'data-label': step.label };
  if (step.kind === 'error') {
    return svg('g', attrs, title, time,
      svg('rect', { class: 'error-bar', x: US_X - 6, y: y - 11, width: THEM_X - US_X + 12, height: 22, rx: 3 }),
      svg('text', { class: 'error-text', x: (US_X + THEM_X) / 2, y: y + 4, 'text-anchor': 'middle' }, `✕ ${cut(step.label, 34)}`));
  }
  if (step.direction === 'local') {
    return svg('g', attrs, title, time,
      svg('circle', { class: 'note-dot', cx: US_X, cy: y, r: 3.5 }),
      svg('text', { class: 'note-text', x: US_X + 10, y: y + 4 }, cut(step.detail === null ? step.label : `${step.label} · ${step.detail}`, 34)));
  }
  const [x1, x2] = step.direction === 'out' ? [US_X, THEM_X] : [THEM_X, US_X];
  const tip = step.direction === 'out' ? -7 : 7;
  return svg('g', attrs, title, time,
    svg('line', { class: 'arrow', x1, y1: y, x2, y2: y }),
    svg('path', { class: 'arrow-head', d: `M${x2},${y} l${tip},-4 l0,8 z` }),
    svg('text', { class: 'arrow-label', x: (US_X + THEM_X) / 2, y: y - 4, 'text-anchor': 'middle' }, step.label),
    step.detail === null ? null : svg('text', { class: 'arrow-detail', x: (US_X + THEM_X) / 2, y: y + 12, 'text-anchor': 'middle' }, cut(step.detail, 34)));
}

/** Time since the attempt's first step: `+12 ms`, `+3.6 s`, `+95 s`. */
function sinceStart(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 1000) return `+${t} ms`;
  return t < 10_000 ? `+${(t / 1000).toFixed(1)} s` : `+${Math.round(t / 1000)} s`;
}
