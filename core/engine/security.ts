/**
 * What an engine needs to run a connection's security: the mechanism its socket's options select
 * (with libsodium loaded first for CURVE), and asking ZAP with libzmq's consequences for a handler
 * that fails or does not answer.
 */
import { loadCurveCrypto, loadedCurveCrypto } from '../crypto/sodium';
import { securityOf, type SocketOptions } from '../options';
import { CurveClient, CurveServer } from '../zmtp/curve';
import type { Mechanism, MechanismHost } from '../zmtp/mechanism';
import { NullMechanism } from '../zmtp/null-mechanism';
import { PlainClient, PlainServer } from '../zmtp/plain';
import { parseZapReply, zapReplyFrames, type ZapReply, type ZapRequest } from '../zmtp/zap';
import type { ZapAsker } from './engine-host';

/** Bodies of sealed CURVE messages go to the wire as they are: no need to zero them first. */
const allocate = (size: number): Uint8Array => Buffer.allocUnsafe(size);

/**
 * Resolves once what the options' mechanism needs is loaded (libsodium for CURVE, the first time
 * only); undefined when nothing needs loading, so that engines without CURVE start at once.
 */
export function securityLoading(options: Readonly<SocketOptions>): Promise<unknown> | undefined {
  if (securityOf(options).mechanism !== 'CURVE' || loadedCurveCrypto()) return undefined;
  return loadCurveCrypto();
}

/** The mechanism for one connection, as the socket's options select it (call after {@link securityLoading}). */
export function createMechanism(host: MechanismHost, options: Readonly<SocketOptions>): Mechanism {
  const { mechanism, role } = securityOf(options);
  if (mechanism === 'PLAIN') {
    return role === 'server' ? new PlainServer(host) : new PlainClient(host, { username: options.plainUsername ?? new Uint8Array(0), password: options.plainPassword ?? new Uint8Array(0) });
  }
  if (mechanism === 'CURVE') {
    const crypto = loadedCurveCrypto();
    if (!crypto) throw new Error('CURVE used before libsodium was loaded');
    if (role === 'server') {
      return new CurveServer(host, crypto, { secretKey: options.curveSecretKey!, zapDomain: options.zapDomain, zapEnforceDomain: options.zapEnforceDomain, allocate });
    }
    return new CurveClient(host, crypto, { publicKey: options.curvePublicKey!, secretKey: options.curveSecretKey!, serverKey: options.curveServerKey!, allocate });
  }
  return new NullMechanism(host, options);
}

/**
 * Asks `asker` about `request` and checks the reply as libzmq does (a malformed one throws the
 * ZmtpError libzmq reports). A handler that throws, or answers nothing within `timeout` ms
 * (0: no limit), counts as status 500, the "internal error" of RFC 27.
 */
export async function askZap(asker: ZapAsker, request: ZapRequest, timeout: number): Promise<ZapReply> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<readonly Uint8Array[]>((resolve) => {
    // Unreferenced: a socket closed while its handler thinks must not keep the process alive.
    if (timeout > 0) timer = setTimeout(() => resolve(zapReplyFrames({ status: 500, statusText: `the ZAP handler did not answer within ${timeout} ms` })), timeout).unref();
  });
  const answered = asker(request).catch((err: unknown) =>
    zapReplyFrames({ status: 500, statusText: `the ZAP handler failed: ${err instanceof Error ? err.message : String(err)}` }),
  );
  try {
    return parseZapReply(await Promise.race([answered, expired]));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The IP address of `remote` ("127.0.0.1:5555", "[::1]:5555") as libzmq puts it in a ZAP request. */
export function zapAddressOf(remote: string | undefined): string {
  if (remote === undefined) return '';
  if (remote.startsWith('[')) return remote.slice(1, remote.indexOf(']'));
  const colon = remote.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(remote.slice(colon + 1)) ? remote.slice(0, colon) : remote;
}
