/**
 * The tap's diagnosis (core/tap/diagnosis.ts, socket-types.ts): the sentences it says about a
 * connection's records — the socket-type table libzmq 4.3.4 checks, mismatched mechanisms, a
 * ZMTP downgrade, ERROR reasons, heartbeat timeouts, a REQ that asks twice.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionDiagnosis } from '../../core/tap/diagnosis';
import type { CommandRecord, EventRecord, GreetingRecord, MessageRecord, TapRecord, TapSide } from '../../core/tap/records';
import { accepts, COMPATIBLE_SOCKET_TYPES, pairVerdict } from '../../core/tap/socket-types';

/** A diagnosis with a clock the test moves, collecting what it says. */
function diagnose(): { d: ConnectionDiagnosis; said: EventRecord[]; at: (ms: number) => void; clock: () => number } {
  const said: EventRecord[] = [];
  let time = 0;
  const d = new ConnectionDiagnosis(7, (e) => said.push(e), () => time);
  return { d, said, at: (ms) => (time = ms), clock: () => time };
}

const greeting = (from: TapSide, mechanism: string, extra: Partial<GreetingRecord> = {}): GreetingRecord => ({ kind: 'greeting', time: 0, connection: 7, from, name: 'ZMTP', version: '3.1', mechanism, asServer: false, raw: new Uint8Array(64), ...extra });
const command = (from: TapSide, name: string, time: number, extra: Partial<CommandRecord> = {}): CommandRecord => ({ kind: 'command', time, connection: 7, from, name, size: 0, flags: 4, data: new Uint8Array(0), ...extra });
const ready = (from: TapSide, socketType: string, time = 0): CommandRecord => command(from, 'READY', time, { socketType, properties: [['Socket-Type', socketType]] });
const message = (from: TapSide, socketType: string, time: number): MessageRecord => ({ kind: 'message', time, connection: 7, from, socketType, frames: [{ size: 1, more: false, data: new Uint8Array(1), flags: 0 }], framesOmitted: 0, size: 1 });
const named = (said: EventRecord[]): Array<[string, string]> => said.map((e) => [e.name, e.text]);

describe('tap: socket-type table', () => {
  it('is symmetric and matches libzmq 4.3.4 check_socket_type', () => {
    for (const [type, peers] of Object.entries(COMPATIBLE_SOCKET_TYPES)) for (const peer of peers) assert.ok(accepts(peer, type), `${peer} accepts ${type}`);
    assert.deepEqual(COMPATIBLE_SOCKET_TYPES.DEALER, ['REP', 'DEALER', 'ROUTER']);
    assert.deepEqual(COMPATIBLE_SOCKET_TYPES.PEER, ['PEER']);
    assert.equal(accepts('PEER', 'SERVER'), false);
    assert.equal(accepts('peer', 'PEER'), false, 'the comparison is case-sensitive');
  });

  it('names an incompatible pair and what libzmq does about it', () => {
    assert.deepEqual(pairVerdict('DEALER', 'PEER'), {
      compatible: false,
      text: 'DEALER → PEER: incompatible; libzmq 4.3.4 closes as soon as it reads the other READY, without ERROR (both sides close; DEALER talks to REP, DEALER or ROUTER; PEER talks to PEER)',
    });
    assert.deepEqual(pairVerdict('REQ', 'ROUTER'), { compatible: true, text: 'REQ → ROUTER: compatible' });
    assert.match(pairVerdict('STREAM', 'PEER').text, /^STREAM → PEER: incompatible; "STREAM" is not a socket type libzmq knows/);
  });
});

describe('tap: connection diagnosis', () => {
  it('judges the socket-type pair once both are known', () => {
    const { d, said } = diagnose();
    d.observe(ready('app', 'DEALER'));
    assert.equal(said.length, 0);
    d.observe(ready('upstream', 'PEER'));
    assert.deepEqual(said.map((e) => [e.name, e.severity]), [['incompatible-socket-types', 'error']]);
    assert.match(said[0].text, /^DEALER → PEER: incompatible; libzmq 4.3.4 closes as soon as it reads the other READY, without ERROR/);
    assert.equal(d.incompatible, true);
    d.ended({ first: 'upstream' });
    assert.equal(said.length, 1, 'the close that follows needs no second explanation');
  });

  it('says a compatible pair is compatible', () => {
    const { d, said } = diagnose();
    d.observe(ready('upstream', 'ROUTER'));
    d.observe(ready('app', 'DEALER'));
    assert.deepEqual(named(said), [['socket-types', 'DEALER → ROUTER: compatible']]);
  });

  it('names a mechanism mismatch from the two greetings', () => {
    const { d, said } = diagnose();
    d.observe(greeting('app', 'PLAIN'));
    d.observe(greeting('upstream', 'NULL'));
    assert.deepEqual(named(said), [['mechanism-mismatch', 'mechanism mismatch: app offers PLAIN, upstream NULL; libzmq 4.3.4 closes right after the greeting (HANDSHAKE_FAILED_PROTOCOL, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)']]);
  });

  it('notes two PLAIN clients', () => {
    const { d, said } = diagnose();
    d.observe(greeting('app', 'PLAIN'));
    d.observe(greeting('upstream', 'PLAIN'));
    assert.deepEqual(said.map((e) => e.name), ['mechanism-roles']);
    assert.match(said[0].text, /both sides are PLAIN clients \(as-server=0\)/);
  });

  it('notes a downgrade to ZMTP 3.0 and to ZMTP 2.0', () => {
    const { d, said } = diagnose();
    d.observe(greeting('app', 'NULL', { version: '3.0' }));
    d.observe(greeting('upstream', 'NULL'));
    const legacy = diagnose();
    legacy.d.observe({ kind: 'greeting', time: 0, connection: 7, from: 'upstream', name: 'ZMTP-LEGACY', version: '2.0', raw: new Uint8Array(11) });
    assert.deepEqual(named(said), [['version-downgrade', 'app speaks ZMTP 3.0, the other 3.1: they talk 3.0 (subscriptions as messages, PING/PONG unused)']]);
    assert.match(legacy.said[0].text, /^upstream speaks ZMTP 2.0: libzmq 4.3.4 falls back to ZMTP 2.0 with it/);
  });

  it("quotes an ERROR command's reason", () => {
    const { d, said } = diagnose();
    d.observe(greeting('app', 'PLAIN'));
    d.observe(command('upstream', 'ERROR', 5, { reason: 'Invalid username or password' }));
    assert.deepEqual(named(said), [['error-command', 'upstream sent ERROR "Invalid username or password": the handshake ends here and libzmq closes the connection (the other side reports HANDSHAKE_FAILED_AUTH)']]);
  });

  it('calls a close after an unanswered PING a heartbeat timeout', () => {
    const { d, said, at } = diagnose();
    d.observe(ready('app', 'PEER'));
    d.observe(ready('upstream', 'PEER'));
    d.observe(command('app', 'PING', 100, { ttl: 0 }));
    d.observe(command('upstream', 'PONG', 101));
    d.observe(command('app', 'PING', 200, { ttl: 0 }));
    at(450);
    d.ended({ first: 'app' });
    assert.deepEqual(named(said).slice(1), [['heartbeat-timeout', 'app closed the connection 250 ms after its PING went unanswered: a heartbeat timeout (ZMQ_HEARTBEAT_TIMEOUT); upstream sent nothing in that time']]);
  });

  it('calls a close after silence past the announced TTL a TTL expiry', () => {
    const { d, said, at } = diagnose();
    d.observe(ready('app', 'PEER'));
    d.observe(ready('upstream', 'PEER'));
    d.observe(command('app', 'PING', 100, { ttl: 500 }));
    d.observe(command('upstream', 'PONG', 101));
    at(700);
    d.ended({ first: 'upstream' });
    assert.deepEqual(named(said).slice(1), [['heartbeat-timeout', "upstream closed the connection after 600 ms without traffic from app, past the 500 ms TTL app's PING announced (ZMQ_HEARTBEAT_TTL)"]]);
  });

  it('sees a REQ ask twice without a reply, and not when replies come between', () => {
    const { d, said } = diagnose();
    d.observe(ready('app', 'REQ'));
    d.observe(ready('upstream', 'REP'));
    d.observe(message('app', 'REQ', 1));
    d.observe(message('upstream', 'REP', 2));
    d.observe(message('app', 'REQ', 3));
    assert.equal(said.length, 1);
    d.observe(message('app', 'REQ', 4));
    assert.deepEqual(said.slice(1).map((e) => e.name), ['req-sent-twice']);
    assert.match(said[1].text, /^REQ app sent a second request \(1 bytes\) before any reply to the first: a libzmq REQ refuses that \(EFSM\) unless ZMQ_REQ_RELAXED is set/);
  });

  it('says a connection closed during the handshake, with the PLAIN hint', () => {
    const { d, said } = diagnose();
    const records: TapRecord[] = [greeting('app', 'PLAIN', { asServer: false }), greeting('upstream', 'PLAIN', { asServer: true }), command('app', 'HELLO', 1, { username: 'u' })];
    for (const r of records) d.observe(r);
    d.ended({ first: 'upstream' });
    assert.deepEqual(named(said), [['handshake-incomplete', 'upstream closed the connection during the handshake: with PLAIN, a server that refuses the credentials (ZAP) sends ERROR first; libzmq 4.3.4 with no ZAP handler for PLAIN closes silently']]);
  });
});
