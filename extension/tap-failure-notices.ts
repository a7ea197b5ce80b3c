/**
 * One warning per distinct failure of a tap that terminates CURVE. Terminating is set up with the
 * user's own keys, and a wrong key fails every connection the same way ("app's CURVE HELLO did not
 * open with the server key the tap was given: …"), while the app only sees a server that does not
 * answer. The debugger keeps each failed pair with the tap's sentence; this tells a user who is
 * looking elsewhere, once per tap and sentence rather than once per connection. Relaying taps are
 * left to the debugger, as before. No vscode import: the extension shows the notice.
 */
import type { HostEvent } from '../webview/protocol';
import type { ZmqSession } from './session';

/** What the warning says. */
export interface TapFailure {
  readonly tapId: string;
  readonly connectionId: number;
  readonly listen: string;
  readonly upstream: string;
  /** The tap's sentence: what went wrong and which key to check. */
  readonly diagnosis: string;
}

/** Watches the session's tap pairs; calls `notify` once per terminating tap and diagnosis. */
export class TapFailureNotices {
  readonly #session: Pick<ZmqSession, 'onEvent' | 'taps'>;
  readonly #notify: (failure: TapFailure) => void;
  /** Per tap, the sentences already warned about. */
  readonly #told = new Map<string, Set<string>>();
  readonly #unsubscribe: () => void;

  constructor(session: Pick<ZmqSession, 'onEvent' | 'taps'>, notify: (failure: TapFailure) => void) {
    this.#session = session;
    this.#notify = notify;
    this.#unsubscribe = session.onEvent((event) => this.#onEvent(event));
  }

  #onEvent(event: HostEvent): void {
    if (event.type === 'sockets') {
      // A stopped tap's sentences go with it; a new tap is told afresh.
      for (const tapId of this.#told.keys()) if (!event.sockets.some((s) => s.socketId === tapId)) this.#told.delete(tapId);
      return;
    }
    if (event.type !== 'peer' || event.peer.pair?.severity !== 'error' || event.peer.pair.diagnosis === null) return;
    const { socketId: tapId, connectionId } = event.peer;
    const tap = this.#session.taps().find((t) => t.tapId === tapId);
    if (tap?.terminating == null) return;
    const diagnosis = event.peer.pair.diagnosis;
    let told = this.#told.get(tapId);
    if (told === undefined) this.#told.set(tapId, (told = new Set()));
    if (told.has(diagnosis)) return;
    told.add(diagnosis);
    this.#notify({ tapId, connectionId, listen: tap.listen, upstream: tap.upstream, diagnosis });
  }

  dispose(): void {
    this.#unsubscribe();
    this.#told.clear();
  }
}
