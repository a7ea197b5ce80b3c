/**
 * The string keys the debugger's state is indexed by: a connection (`peerKey`), a routing id on a
 * socket, which is what the send form targets and the peer filter names (`targetKey`, and its
 * inverse for keys read back from the DOM or saved view state), and a socket's rate series.
 */

/** The key of one connection: socket id and connection id. */
export function peerKey(socketId: string, connectionId: number): string {
  return `${socketId}/${connectionId}`;
}

/** The send form's key for a routing id on a socket: `${socketId}#${routingId}` (readable in tests). */
export function targetKey(socketId: string, routingId: number): string {
  return `${socketId}#${routingId}`;
}

/** The rate series key of a socket. */
export function socketRateKey(socketId: string): string {
  return `socket:${socketId}`;
}

/** Splits a `targetKey`; null when it is not one. */
export function parseTargetKey(key: string): { socketId: string; routingId: number } | null {
  const at = key.lastIndexOf('#');
  if (at <= 0) return null;
  const routingId = Number(key.slice(at + 1));
  if (!Number.isInteger(routingId) || routingId <= 0 || routingId > 0xffffffff) return null;
  return { socketId: key.slice(0, at), routingId };
}
