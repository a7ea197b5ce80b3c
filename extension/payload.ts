/**
 * The extension's payload helpers are the core's (zmq-script/payload.ts), so that the send form,
 * the "Send Frame" command and frame scripts read payloads the same way.
 */
export { decodePayload, hexPreview, PayloadError, PAYLOAD_FORMATS } from '../zmq-script/payload';
