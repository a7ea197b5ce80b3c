/**
 * Where a connection is, in the words and colours the debugger uses for it everywhere (peer rows,
 * the topology's edges, the tree): the core's eleven states folded into six phases, one of which,
 * `failing`, is not a core state at all but what a user needs to see: a connect that keeps
 * failing. Pure, no DOM.
 */

import type { PeerView } from './protocol';

/** A connection's phase. */
export type PeerPhase = 'connecting' | 'handshaking' | 'active' | 'waiting' | 'failing' | 'failed';

/** Failed attempts after which a connection that is not ACTIVE counts as failing, not just waiting. */
export const FAILING_AFTER_RECONNECTS = 2;

/** The phase of a connection. */
export function peerPhase(peer: Pick<PeerView, 'state' | 'lastError' | 'reconnects' | 'ended'>): PeerPhase {
  if (peer.ended) return 'failed';
  switch (peer.state) {
    case 'ACTIVE':
      return 'active';
    case 'TLS_HANDSHAKE':
    case 'HTTP_UPGRADE':
    case 'GREETING_SIGNATURE':
    case 'GREETING_VERSION':
    case 'GREETING_REST':
    case 'READY_EXCHANGE':
      return 'handshaking';
    default: {
      const failing = peer.lastError !== null && peer.reconnects >= FAILING_AFTER_RECONNECTS;
      if (failing) return 'failing';
      return peer.state === 'CONNECTING' ? 'connecting' : 'waiting';
    }
  }
}

/** How each phase reads, for legends and titles. */
export const PHASE_LABELS: Readonly<Record<PeerPhase, string>> = {
  connecting: 'connecting',
  handshaking: 'handshaking',
  active: 'active',
  waiting: 'waiting to reconnect',
  failing: 'failing',
  failed: 'handshake failed',
};
