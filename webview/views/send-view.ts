/**
 * The send form: a live routing id, a payload as text/hex/base64/JSON (checked as it is typed),
 * Send, and the outcome beside the button (bytes sent, or the errno code: EHOSTUNREACH, EAGAIN…).
 * Below it, the saved messages: save the current draft under a name, or load one back.
 */

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { checkDraftPayload } from '../payload';
import type { PayloadFormat, SavedMessage } from '../protocol';
import { RpcError } from '../rpc';
import { sendTargets } from '../peer-targets';
import type { DebuggerState } from '../state';
import { parseTargetKey } from '../state-keys';
import type { ViewContext } from './context';
import { h, setOptions, setText } from './dom';

const FORMATS: readonly { value: PayloadFormat; label: string }[] = [
  { value: 'text', label: 'Text (UTF-8)' },
  { value: 'hex', label: 'Hex' },
  { value: 'base64', label: 'Base64' },
  { value: 'json', label: 'JSON' },
];

/** The bottom-right send form and saved messages. */
export class SendView {
  readonly element: HTMLDivElement;
  readonly #ctx: ViewContext;
  readonly #target = h('vscode-single-select', { testid: 'send-routing-id', title: 'Routing id to send to' });
  readonly #format = h('vscode-single-select', { testid: 'send-format', title: 'Payload format' });
  readonly #payload = h('vscode-textarea', { testid: 'send-payload', rows: 4, placeholder: 'Payload', resize: 'vertical' });
  readonly #validation = h('div', { class: 'send-result error', testid: 'send-validation', role: 'status' });
  readonly #note = h('div', { class: 'send-note', testid: 'send-note' });
  readonly #send = h('vscode-button', { testid: 'send-button' }, 'Send');
  readonly #result = h('span', { class: 'send-result', testid: 'send-result', role: 'status' });
  readonly #saveName = h('vscode-textfield', { testid: 'save-name', placeholder: 'Name' });
  readonly #saved = h('div', { class: 'saved', testid: 'saved-list' });
  #state: DebuggerState | null = null;

  constructor(ctx: ViewContext) {
    this.#ctx = ctx;
    setOptions(this.#format, FORMATS, 'text');
    this.#target.addEventListener('change', () => ctx.dispatch({ kind: 'ui/draft', patch: { target: this.#target.value } }));
    this.#format.addEventListener('change', () => ctx.dispatch({ kind: 'ui/draft', patch: { format: this.#format.value as PayloadFormat } }));
    this.#payload.addEventListener('input', () => ctx.dispatch({ kind: 'ui/draft', patch: { payload: this.#payload.value } }));
    this.#send.addEventListener('click', () => void this.#onSend());
    const save = h('vscode-button', { testid: 'save-message', secondary: true }, 'Save');
    save.addEventListener('click', () => void this.#onSave());
    this.#saved.addEventListener('click', (ev) => this.#onLoad(ev));
    this.element = h('div', { class: 'sender', testid: 'send-form' },
      h('div', { class: 'form-row' }, this.#target, this.#format),
      h('div', { class: 'form-row' }, this.#payload),
      this.#validation,
      this.#note,
      h('div', { class: 'form-row' }, this.#send, this.#result),
      h('div', { class: 'section-title' }, 'Saved messages'),
      h('div', { class: 'form-row' }, this.#saveName, save),
      this.#saved);
  }

  update(state: DebuggerState): void {
    const prev = this.#state;
    this.#state = state;
    if (prev === null || prev.peers !== state.peers || prev.draft.target !== state.draft.target || prev.sockets !== state.sockets) {
      const labels = new Map(state.sockets.map((s) => [s.socketId, s.label]));
      const targets = sendTargets(state).map((t) => ({ value: t.key, label: `#${t.routingId} · ${labels.get(t.socketId) ?? t.socketId} · ${t.peer.state}` }));
      const options = [{ value: '', label: targets.length === 0 ? 'No live routing id' : 'Pick a routing id' }, ...targets];
      // Keep a drafted target that is gone (a reconnect brings it back), marked as such.
      if (state.draft.target !== '' && !targets.some((t) => t.value === state.draft.target)) {
        const t = parseTargetKey(state.draft.target);
        if (t !== null) options.push({ value: state.draft.target, label: `#${t.routingId} (not connected)` });
      }
      setOptions(this.#target, options, state.draft.target);
    }
    if (prev === null || prev.draft !== state.draft) {
      if (this.#format.value !== state.draft.format) this.#format.value = state.draft.format;
      if (this.#payload.value !== state.draft.payload) this.#payload.value = state.draft.payload;
      const check = checkDraftPayload(state.draft.format, state.draft.payload);
      setText(this.#validation, check.ok ? '' : check.message);
      setText(this.#note, check.ok ? sizeNote(state.draft.format, state.draft.payload, check.bytes.length) : '');
      this.#send.toggleAttribute('disabled', !check.ok || parseTargetKey(state.draft.target) === null || state.sendStatus.state === 'pending');
      this.#send.setAttribute('title', check.ok ? `${check.bytes.length} bytes` : check.message);
    }
    if (prev === null || prev.sendStatus !== state.sendStatus) {
      const s = state.sendStatus;
      this.#result.className = `send-result${s.state === 'ok' ? ' ok' : s.state === 'error' ? ' error' : ''}`;
      this.#result.dataset.state = s.state;
      this.#result.dataset.code = s.state === 'error' ? s.code : '';
      setText(this.#result, s.state === 'ok' ? `Sent ${s.bytes} bytes${s.bytes !== typedBytes(state.draft.payload) && state.draft.format === 'json' ? ' (JSON minified)' : ''}` : s.state === 'error' ? `${s.code}: ${s.message}` : s.state === 'pending' ? 'Sending…' : '');
      const check = checkDraftPayload(state.draft.format, state.draft.payload);
      this.#send.toggleAttribute('disabled', !check.ok || parseTargetKey(state.draft.target) === null || s.state === 'pending');
    }
    if (prev === null || prev.savedMessages !== state.savedMessages) this.#drawSaved(state.savedMessages);
  }

  async #onSend(): Promise<void> {
    const state = this.#state;
    if (state === null || state.sendStatus.state === 'pending') return;
    const target = parseTargetKey(state.draft.target);
    if (target === null) {
      this.#ctx.dispatch({ kind: 'ui/sendStatus', status: { state: 'error', code: 'EINVAL', message: 'Pick a routing id first' } });
      return;
    }
    const check = checkDraftPayload(state.draft.format, state.draft.payload);
    if (!check.ok) {
      this.#ctx.dispatch({ kind: 'ui/sendStatus', status: { state: 'error', code: 'EINVAL', message: check.message } });
      return;
    }
    this.#ctx.dispatch({ kind: 'ui/sendStatus', status: { state: 'pending' } });
    try {
      const { bytes } = await this.#ctx.request('peer/send', { socketId: target.socketId, routingId: target.routingId, format: state.draft.format, payload: state.draft.payload });
      this.#ctx.dispatch({ kind: 'ui/sendStatus', status: { state: 'ok', bytes } });
    } catch (err) {
      const code = err instanceof RpcError ? err.code : 'EINTERNAL';
      this.#ctx.dispatch({ kind: 'ui/sendStatus', status: { state: 'error', code, message: err instanceof Error ? err.message : String(err) } });
    }
  }

  async #onSave(): Promise<void> {
    const state = this.#state;
    if (state === null) return;
    const name = this.#saveName.value.trim() || `message ${state.savedMessages.length + 1}`;
    const message: SavedMessage = { name: name.slice(0, 200), format: state.draft.format, payload: state.draft.payload };
    try {
      await this.#ctx.request('messages/save', { message });
      this.#saveName.value = '';
    } catch (err) {
      const code = err instanceof RpcError ? err.code : 'EINTERNAL';
      this.#ctx.dispatch({ kind: 'ui/sendStatus', status: { state: 'error', code, message: `Saving failed: ${err instanceof Error ? err.message : String(err)}` } });
    }
  }

  #onLoad(ev: Event): void {
    const item = (ev.target as Element | null)?.closest?.('[data-index]') as HTMLElement | null;
    const state = this.#state;
    if (item === null || state === null) return;
    const m = state.savedMessages[Number(item.dataset.index)];
    if (m !== undefined) this.#ctx.dispatch({ kind: 'ui/draft', patch: { format: m.format, payload: m.payload } });
  }

  #drawSaved(messages: readonly SavedMessage[]): void {
    if (messages.length === 0) {
      this.#saved.replaceChildren(h('div', { class: 'empty' }, 'None saved.'));
      return;
    }
    this.#saved.replaceChildren(...messages.map((m, i) => h('div', { class: 'saved-item', testid: 'saved-row', 'data-index': i },
      h('span', { class: 'name', testid: 'saved-name', title: m.payload.slice(0, 200) }, `${m.name} (${m.format})`),
      h('vscode-button', { testid: 'saved-load', secondary: true }, 'Load'))));
  }
}

/** The UTF-8 size of what was typed. */
function typedBytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * What the form will send, said before it is sent: JSON goes out re-serialised without whitespace,
 * so 44 bytes typed can be 38 sent; hex and base64 are decoded.
 */
function sizeNote(format: PayloadFormat, payload: string, bytes: number): string {
  if (payload === '') return '';
  const typed = typedBytes(payload);
  if (format === 'json') return bytes === typed ? `${bytes} bytes` : `Sent minified: ${bytes} bytes (${typed} typed; whitespace outside strings removed)`;
  if (format === 'hex' || format === 'base64') return `${bytes} bytes once decoded from ${format}`;
  return `${bytes} bytes (UTF-8)`;
}
