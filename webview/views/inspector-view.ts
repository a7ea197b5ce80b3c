/**
 * The inspector: the selected frame as a hex dump, as UTF-8 (invalid sequences shown as U+FFFD)
 * and as pretty JSON when it is JSON. Tabs come from vscode-elements; the panels are plain `pre`,
 * focusable, so Enter in the traffic table brings the keyboard here and Escape takes it back.
 */

import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import { HEX_DUMP_WIDTH, hexDump } from '../../zmq-script/payload';
import { base64ToBytes, isValidUtf8, jsonPretty, utf8Decode } from '../payload';
import type { TrafficView } from '../protocol';
import { selectedFrame, type DebuggerState } from '../state';
import { formatTime, h, setText } from './dom';

const TAB_HEX = 0;
const TAB_UTF8 = 1;
/** Characters of a 16-byte hex dump line: offset, two groups of 8 bytes, the ASCII column. */
const HEX_LINE_CHARS = 78;

/** The bottom-left inspector. */
export class InspectorView {
  readonly element: HTMLDivElement;
  readonly #meta = h('div', { class: 'endpoint', testid: 'inspector-meta' });
  readonly #tabs = h('vscode-tabs', { testid: 'inspector-tabs' });
  readonly #hex = h('pre', { class: 'dump hex', testid: 'inspector-hex', tabindex: 0, 'aria-label': 'Hex dump' });
  readonly #utf8 = h('pre', { class: 'dump', testid: 'inspector-utf8', tabindex: 0, 'aria-label': 'UTF-8 text' });
  readonly #json = h('pre', { class: 'dump', testid: 'inspector-json', tabindex: 0, 'aria-label': 'JSON' });
  #shown: TrafficView | null | undefined = undefined;
  #tabChosen = false;
  /** Bytes per hex line: 16 when a whole line fits the inspector's width, else 8 (never a cut-off ASCII column). */
  #perLine = HEX_DUMP_WIDTH;

  /** `onLeave`: Escape in the inspector, to give the keyboard back to the traffic table. */
  constructor(onLeave: () => void) {
    this.#tabs.append(
      h('vscode-tab-header', { slot: 'header', testid: 'inspector-tab-hex' }, 'Hex'),
      h('vscode-tab-panel', {}, this.#hex),
      h('vscode-tab-header', { slot: 'header', testid: 'inspector-tab-utf8' }, 'UTF-8'),
      h('vscode-tab-panel', {}, this.#utf8),
      h('vscode-tab-header', { slot: 'header', testid: 'inspector-tab-json' }, 'JSON'),
      h('vscode-tab-panel', {}, this.#json),
    );
    this.#tabs.addEventListener('vsc-tabs-select', () => {
      this.#tabChosen = true;
    });
    this.element = h('div', { class: 'inspector', testid: 'inspector', role: 'region', 'aria-label': 'Inspector' }, this.#meta, this.#tabs);
    this.element.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') onLeave();
    });
    new ResizeObserver(() => this.#fitHex()).observe(this.element);
  }

  /** Picks the bytes per hex line for the width the inspector has; redraws the dump when that changes. */
  #fitHex(): void {
    const probe = h('span', {}, '0'.repeat(HEX_LINE_CHARS));
    this.#hex.append(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    const room = this.#hex.clientWidth || this.element.clientWidth;
    const perLine = needed === 0 || room >= needed ? HEX_DUMP_WIDTH : HEX_DUMP_WIDTH / 2;
    if (perLine === this.#perLine) return;
    this.#perLine = perLine;
    this.#hex.dataset.bytesPerLine = String(perLine);
    const frame = this.#shown;
    if (frame) setText(this.#hex, hexText(base64ToBytes(frame.data) ?? new Uint8Array(0), perLine));
  }

  /** Moves the keyboard focus to the open tab's view of the frame. */
  focus(): void {
    const panels = [this.#hex, this.#utf8, this.#json];
    (panels[this.#tabs.selectedIndex] ?? this.#hex).focus();
  }

  update(state: DebuggerState): void {
    if (!this.#tabChosen) this.#tabs.selectedIndex = state.defaultView === 'utf8' ? TAB_UTF8 : TAB_HEX;
    const frame = selectedFrame(state);
    if (frame === this.#shown) return;
    this.#shown = frame;
    if (frame === null) {
      setText(this.#meta, 'Select a message in the timeline to inspect it.');
      for (const el of [this.#hex, this.#utf8, this.#json]) setText(el, '');
      return;
    }
    const bytes = base64ToBytes(frame.data) ?? new Uint8Array(0);
    const rid = frame.routingId === null ? '' : ` · routing id #${frame.routingId}`;
    const cut = frame.truncated ? ` · showing the first ${bytes.length} bytes` : '';
    setText(this.#meta, `#${frame.seq} · ${formatTime(frame.time)} · ${frame.direction} · ${frame.kind} · ${frame.size} bytes${rid}${cut}`);
    setText(this.#hex, hexText(bytes, this.#perLine));
    setText(this.#utf8, isValidUtf8(bytes) ? utf8Decode(bytes) : `${utf8Decode(bytes)}\n\n(not valid UTF-8: invalid bytes shown as \uFFFD)`);
    setText(this.#json, jsonPretty(bytes) ?? '(not JSON)');
  }
}

function hexText(bytes: Uint8Array, perLine: number): string {
  return bytes.length === 0 ? '(empty)' : hexDump(bytes, undefined, perLine);
}
