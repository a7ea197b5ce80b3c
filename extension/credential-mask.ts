/**
 * Keeps PLAIN passwords out of what the debugger keeps and shows. A PLAIN HELLO (RFC 24) carries
 * the user name and the password in clear, and the core's traffic tap hands its bytes over as they
 * went on the wire; the session passes every HELLO through {@link maskPlainHello} before it reaches
 * the ring buffer (and so the webview, the export and the API), the handshake ladder and the log.
 * The password's bytes become `*`, so sizes stay those of the wire, as the tap's own records do.
 * A CURVE HELLO never reads as a PLAIN one (its byte 8, a zero of the padding, would be a password
 * length of 0 with 192 bytes left), so it passes unchanged; a HELLO that is neither (malformed, and
 * perhaps holding credentials all the same) keeps only its name. No vscode import.
 */
import { parsePlainHello, ZmtpError } from '../core/index';

/** The byte a masked password byte becomes: `*`. */
export const MASK_BYTE = 0x2a;

/** `05 "HELLO"`: the bytes of a HELLO command before its data. */
const HELLO_PREFIX_SIZE = 6;
/** A CURVE HELLO (RFC 26): 200 bytes, version 1.0 right after the name. */
const CURVE_HELLO_SIZE = 200;

function isCurveHello(body: Uint8Array): boolean {
  return body.length === CURVE_HELLO_SIZE && body[HELLO_PREFIX_SIZE] === 1 && body[HELLO_PREFIX_SIZE + 1] === 0;
}

/**
 * The body of a HELLO command with a PLAIN password masked: a copy when anything was masked,
 * `body` itself otherwise (a CURVE HELLO, whose keys are public and whose box is opaque).
 */
export function maskPlainHello(body: Uint8Array): Uint8Array {
  let password: Uint8Array;
  try {
    ({ password } = parsePlainHello(body));
  } catch (err) {
    if (!(err instanceof ZmtpError)) throw err;
    if (isCurveHello(body) || body.length <= HELLO_PREFIX_SIZE) return body;
    const masked = Uint8Array.from(body);
    masked.fill(MASK_BYTE, HELLO_PREFIX_SIZE);
    return masked;
  }
  if (password.length === 0) return body;
  const masked = Uint8Array.from(body);
  masked.fill(MASK_BYTE, body.length - password.length);
  return masked;
}
