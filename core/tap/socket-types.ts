/**
 * Which ZeroMQ socket types may talk to which over ZMTP: the table of RFC 23 §"The Socket Types"
 * and RFC 37, extended with the draft types (RFC 48 SERVER/CLIENT, RFC 49 SCATTER/GATHER, RFC 51
 * PEER, RFC 52 CHANNEL, RADIO/DISH), exactly as libzmq 4.3.4 checks a READY's Socket-Type
 * (`mechanism_t::check_socket_type`). Pure.
 */

/** Every socket type a READY may name, with the types it accepts as the other end. */
export const COMPATIBLE_SOCKET_TYPES: Readonly<Record<string, readonly string[]>> = {
  REQ: ['REP', 'ROUTER'],
  REP: ['REQ', 'DEALER'],
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  ROUTER: ['REQ', 'DEALER', 'ROUTER'],
  PUSH: ['PULL'],
  PULL: ['PUSH'],
  PUB: ['SUB', 'XSUB'],
  SUB: ['PUB', 'XPUB'],
  XPUB: ['SUB', 'XSUB'],
  XSUB: ['PUB', 'XPUB'],
  PAIR: ['PAIR'],
  SERVER: ['CLIENT'],
  CLIENT: ['SERVER'],
  RADIO: ['DISH'],
  DISH: ['RADIO'],
  GATHER: ['SCATTER'],
  SCATTER: ['GATHER'],
  DGRAM: ['DGRAM'],
  PEER: ['PEER'],
  CHANNEL: ['CHANNEL'],
};

/** Whether `type` is a socket type libzmq knows on the wire (the READY comparison is case-sensitive). */
export function isSocketType(type: string): boolean {
  return Object.hasOwn(COMPATIBLE_SOCKET_TYPES, type);
}

/** Whether a socket of type `local` accepts a peer whose READY says `remote`. */
export function accepts(local: string, remote: string): boolean {
  return isSocketType(local) && COMPATIBLE_SOCKET_TYPES[local].includes(remote);
}

/** The verdict on a pair, in words, as the tap reports it. */
export interface PairVerdict {
  readonly compatible: boolean;
  readonly text: string;
}

/**
 * The verdict on an app of type `app` connected (through the tap) to an upstream of type
 * `upstream`, e.g. "DEALER → PEER: incompatible; libzmq 4.3.4 closes as soon as it reads the other
 * READY, without ERROR (DEALER talks to REP, DEALER or ROUTER; PEER to PEER)".
 */
export function pairVerdict(app: string, upstream: string): PairVerdict {
  const arrow = `${app} → ${upstream}`;
  const unknown = [app, upstream].filter((type) => !isSocketType(type));
  if (unknown.length > 0) {
    return {
      compatible: false,
      text: `${arrow}: incompatible; ${unknown.map((t) => JSON.stringify(t)).join(' and ')} ${unknown.length > 1 ? 'are not socket types' : 'is not a socket type'} libzmq knows, and libzmq 4.3.4 closes as soon as it reads such a READY, without ERROR`,
    };
  }
  if (accepts(app, upstream) && accepts(upstream, app)) return { compatible: true, text: `${arrow}: compatible` };
  const refusers = [app, upstream].filter((type, i) => !accepts(type, i === 0 ? upstream : app));
  const who = refusers.length === 2 ? 'both sides close' : `the ${refusers[0]} side closes`;
  return {
    compatible: false,
    text: `${arrow}: incompatible; libzmq 4.3.4 closes as soon as it reads the other READY, without ERROR (${who}; ${talksTo(app)}; ${talksTo(upstream)})`,
  };
}

function talksTo(type: string): string {
  const peers = COMPATIBLE_SOCKET_TYPES[type];
  const list = peers.length === 1 ? peers[0] : `${peers.slice(0, -1).join(', ')} or ${peers[peers.length - 1]}`;
  return `${type} talks to ${list}`;
}
