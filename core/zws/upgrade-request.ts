/**
 * The server's checks of a WebSocket upgrade request, each failure named.
 */
import type { IncomingMessage } from 'node:http';
import type { MechanismName } from '../zmtp/mechanism';
import { chooseProtocol, mechanismOfProtocol, offeredProtocols, zwsOffer } from './handshake';

/** What is wrong with an upgrade request; `mechanisms` when the client runs another security mechanism. */
export interface UpgradeProblem {
  readonly problem: string;
  /** Ours and the client's, when the only trouble is that they differ. */
  readonly mechanisms?: { readonly ours: MechanismName; readonly theirs: MechanismName };
}

/**
 * Checks a WebSocket upgrade request (RFC 6455 §4.2.1) before answering it, so that each way a
 * client can get it wrong is reported by name. Returns the problem, or undefined when the request
 * is acceptable. Lenient where libzmq 4.3.4 is needlessly strict: `Connection: keep-alive,
 * Upgrade` (what browsers send) is accepted, as libzmq master accepts it.
 */
export function checkUpgradeRequest(request: IncomingMessage, mechanism: MechanismName = 'NULL'): UpgradeProblem | undefined {
  const problem = (text: string): UpgradeProblem => ({ problem: text });
  if (request.method !== 'GET') return problem(`method ${request.method ?? '?'} (GET required)`);
  if (request.httpVersion !== '1.1') return problem(`HTTP/${request.httpVersion} (HTTP/1.1 required)`);
  const upgrade = request.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return problem(`Upgrade header ${JSON.stringify(upgrade ?? '')} (websocket required)`);
  const connection = request.headers.connection ?? '';
  if (!connection.split(',').some((token) => token.trim().toLowerCase() === 'upgrade')) return problem(`Connection header ${JSON.stringify(connection)} (Upgrade required)`);
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key)) return problem(`Sec-WebSocket-Key ${JSON.stringify(key ?? '')} (16 bytes in base64 required)`);
  const version = request.headers['sec-websocket-version'];
  if (version !== '13') return problem(`Sec-WebSocket-Version ${JSON.stringify(version ?? '')} (13 required)`);
  const offer = request.headers['sec-websocket-protocol'];
  if (chooseProtocol(offer, mechanism) === undefined) {
    const theirs = offeredProtocols(offer).map(mechanismOfProtocol).find((m) => m !== undefined);
    const text = `no supported sub-protocol in ${JSON.stringify(offer ?? '')} (offer ${zwsOffer(mechanism).replace(',', ' or ')})`;
    return theirs !== undefined && theirs !== mechanism ? { problem: text, mechanisms: { ours: mechanism, theirs } } : problem(text);
  }
  return undefined;
}
