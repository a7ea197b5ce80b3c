/** What every view module gets from main.ts: a way to change the state and to ask the host. */

import type { RequestMethod, Requests } from '../protocol';
import type { DebuggerState, UiAction } from '../state';

export interface ViewContext {
  /**
   * The state now, with every action applied: views draw once per animation frame, but a key held
   * down sends several keydowns between two frames, and each must start where the last one left.
   */
  state(): DebuggerState;
  /** Applies a view action (the reducer runs, the page redraws on the next animation frame). */
  dispatch(action: UiAction): void;
  /** Sends a request to the host; rejects with an RpcError (code, message). */
  request<M extends RequestMethod>(method: M, params: Requests[M]['params']): Promise<Requests[M]['result']>;
}
