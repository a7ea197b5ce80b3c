/**
 * The load of the soak and scale benchmark (bench/soak.ts), in a process of its own:
 *
 *   node out/bench/soak-load.js scale ENDPOINT
 *     "ready"; per line "connect K": K more connectPeer on one PEER, one message sent on each,
 *     then "started"; per line "stats": "stats RSS_KIB FDS" (RSS after a full GC when run with --expose-gc)
 *   node out/bench/soak-load.js soak TCP_ENDPOINT WS_ENDPOINT SECONDS
 *     for SECONDS: connection churn (PEERs that connect over tcp or ws, send messages of random
 *     sizes, read the echoes, and close after a random while, all with heartbeats on), plus one
 *     hostile peer of each kind, re-opened whenever the binder drops it: a PING flood that never
 *     reads, a flood of empty messages that never reads, refused WebSocket upgrades (half of them
 *     then write a byte and close, half stay), and a half-sent upgrade left silent. Prints
 *     "done" with what it did, and exits.
 *
 * Loopback only; the floods are rate-limited so that the benchmark stays bounded on a small machine.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Peer } from '../core';
import { block, upgradeRequest, wsEmpty, wsPing, zmtpHandshake, zwsReady, ZMTP_EMPTY, ZMTP_PING } from './hostile-bytes';

const [mode, first, second, secondsText] = process.argv.slice(2);
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Peers connecting and closing at once, each living 0.5–4 s. */
const CHURN_SLOTS = 32;
/** Bytes per second each flood writes at most. */
const FLOOD_RATE = 128 * 1024;

const done = { connections: 0, messagesSent: 0, echoesReceived: 0, pingFloodBytes: 0, emptyFloodBytes: 0, refusedUpgrades: 0, silentUpgrades: 0 };

/** A message size: mostly small, sometimes up to 64 KiB. */
function randomSize(): number {
  const r = Math.random();
  return r < 0.6 ? Math.floor(Math.random() * 64) : r < 0.9 ? Math.floor(Math.random() * 4096) : Math.floor(Math.random() * 65536);
}

function hostPort(endpoint: string): { host: string; port: number } {
  const match = /^(?:tcp|ws):\/\/([^:/]+):(\d+)/.exec(endpoint)!;
  return { host: match[1], port: Number(match[2]) };
}

/** One churn slot: a PEER at a time, connected for a random while, sending and reading. */
async function churnSlot(tcp: string, ws: string, until: number): Promise<void> {
  while (Date.now() < until) {
    const peer = new Peer({ linger: 0, heartbeatInterval: 500, heartbeatTimeout: 1500, sendTimeout: 0 });
    const id = peer.connectPeer(Math.random() < 0.5 ? tcp : ws);
    done.connections++;
    const end = Math.min(until, Date.now() + 500 + Math.random() * 3500);
    while (Date.now() < end) {
      try {
        await peer.send(id, Buffer.alloc(randomSize(), 0x61));
        done.messagesSent++;
      } catch {
        // At the send HWM (the binder reads in bursts): skip this one.
      }
      done.echoesReceived += peer.receiveAvailable().length;
      await sleep(10 + Math.random() * 40);
    }
    await peer.close();
  }
}

/** Opens `socket`-making `open` again and again until `until`, each time running `attack` on it. */
async function repeatedly(until: number, open: () => Socket, attack: (socket: Socket) => Promise<void>): Promise<void> {
  while (Date.now() < until) {
    const socket = open();
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('close', resolve);
    });
    if (!socket.destroyed) await Promise.race([attack(socket).catch(() => undefined), closed]);
    socket.destroy();
    await sleep(100);
  }
}

/** Writes `unit` blocks at up to FLOOD_RATE bytes/s until `until` or until the socket closes; never reads. */
async function flood(socket: Socket, unit: () => Buffer, until: number, counter: 'pingFloodBytes' | 'emptyFloodBytes'): Promise<void> {
  socket.pause();
  const bytes = block(unit());
  while (Date.now() < until && !socket.destroyed) {
    const ok = socket.write(bytes);
    done[counter] += bytes.length;
    // A binder that stopped reading (its receive HWM) holds the flood here, until the run ends at the latest.
    if (!ok) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), new Promise((resolve) => socket.once('close', resolve)), sleep(until - Date.now())]);
    await sleep((bytes.length / FLOOD_RATE) * 1000);
  }
}

async function soak(tcp: string, ws: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  const tcpTarget = hostPort(tcp);
  const wsTarget = hostPort(ws);
  const openTcp = (): Socket => connect(tcpTarget);
  const openWs = (): Socket => connect(wsTarget);
  const upgraded = async (socket: Socket): Promise<void> => {
    socket.write(upgradeRequest());
    socket.write(zwsReady());
  };
  await Promise.all([
    ...Array.from({ length: CHURN_SLOTS }, () => churnSlot(tcp, ws, until)),
    // A PING flood that never reads, over tcp and over ws.
    repeatedly(until, openTcp, async (socket) => {
      socket.write(zmtpHandshake());
      await flood(socket, () => ZMTP_PING, until, 'pingFloodBytes');
    }),
    repeatedly(until, openWs, async (socket) => {
      await upgraded(socket);
      await flood(socket, wsPing, until, 'pingFloodBytes');
    }),
    // Empty messages far past the receive HWM, never reading, over tcp and over ws.
    repeatedly(until, openTcp, async (socket) => {
      socket.write(zmtpHandshake());
      await flood(socket, () => ZMTP_EMPTY, until, 'emptyFloodBytes');
    }),
    repeatedly(until, openWs, async (socket) => {
      await upgraded(socket);
      await flood(socket, wsEmpty, until, 'emptyFloodBytes');
    }),
    // Refused upgrades: half write a byte and close after the answer, half stay open and silent.
    repeatedly(until, openWs, async (socket) => {
      socket.write(upgradeRequest('not-a-key'));
      done.refusedUpgrades++;
      await sleep(50);
      if (done.refusedUpgrades % 2 === 0) socket.end('x');
      else await sleep(1000);
    }),
    // Half an upgrade request, then silence: the binder's handshakeInterval must end it.
    repeatedly(until, openWs, async (socket) => {
      socket.write(upgradeRequest().subarray(0, 40));
      done.silentUpgrades++;
      await sleep(until - Date.now());
    }),
  ]);
  say(`done ${JSON.stringify(done)}`);
}

async function scale(endpoint: string): Promise<void> {
  const peer = new Peer({ linger: 0 });
  const payload = Buffer.alloc(16, 0x7a);
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const words = line.trim().split(' ');
    if (words[0] === 'stats') {
      (globalThis as { gc?: () => void }).gc?.();
      say(`stats ${Math.round(process.memoryUsage().rss / 1024)} ${readdirSync('/proc/self/fd').length}`);
    } else if (words[0] === 'connect') {
      for (let i = 0; i < Number(words[1]); i++) void peer.send(peer.connectPeer(endpoint), payload);
      say('started');
    }
  }
  await peer.close();
}

(mode === 'scale' ? scale(first) : mode === 'soak' ? soak(first, second, Number(secondsText)) : Promise.reject(new Error(`unknown mode ${mode}`))).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`soak-load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
