/**
 * The inspector: the selected frame as a hex dump, as UTF-8 (invalid sequences shown as U+FFFD)
 * and as pretty JSON when it is JSON. Tabs come from vscode-elements; the panels are plain `pre`,
 * focusable, so Enter in the traffic table brings the keyboard here and Escape takes it back.
 */

import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import { base64ToBytes, hexDump, isValidUtf8, jsonPretty, utf8Decode } from '../payload';
import type { TrafficView } from '../protocol';
import { selectedFrame, type DebuggerState } from '../state';
import { formatTime, h, setText } from './dom';

const TAB_HEX = 0;
const TAB_UTF8 = 1;

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
    setText(this.#hex, bytes.length === 0 ? '(empty)' : hexDump(bytes));
    setText(this.#utf8, isValidUtf8(bytes) ? utf8Decode(bytes) : `${utf8Decode(bytes)}\n\n(not valid UTF-8: invalid bytes shown as \uFFFD)`);
    setText(this.#json, jsonPretty(bytes) ?? '(not JSON)');
  }
}
