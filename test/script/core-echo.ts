/**
 * Test helpers for the script tests: a PEER echo on the core (each message sent back to its
 * sender), the repository's paths, and variables for a script with `echo` set to an endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Peer } from '../../core/index';
import type { ConnectionInfo } from '../../core/events';
import { parseScript } from '../../core/script/parser';
import type { ScenarioResult, ScriptResult, StepResult } from '../../core/script/results';
import { Variables } from '../../core/script/variables';

/** The repository root (tests run from out/test/script/). */
export const ROOT = join(__dirname, '..', '..', '..');
export const EXAMPLES = join(ROOT, 'docs', 'examples');

export interface CoreEcho {
  readonly peer: Peer;
  readonly endpoint: string;
  /** Every connection change the echo saw. */
  readonly connections: ConnectionInfo[];
  close(): Promise<void>;
}

/** A core PEER bound to `endpoint` that echoes every message back to its sender. */
export async function startCoreEcho(endpoint = 'tcp://127.0.0.1:*'): Promise<CoreEcho> {
  const peer = new Peer({ linger: 0 });
  const connections: ConnectionInfo[] = [];
  peer.on('connection', (info) => connections.push(info));
  const bound = await peer.bind(endpoint);
  const loop = (async () => {
    for await (const { routingId, data } of peer) {
      // A peer may be gone by the time its echo goes out: that is the script's business.
      await peer.send(routingId, data).catch(() => undefined);
    }
  })();
  return {
    peer,
    endpoint: bound,
    connections,
    async close() {
      await peer.close();
      await loop;
    },
  };
}

/** A script's variables with extra values in a highest layer. */
export function variablesFor(source: string, values: Record<string, string>): Variables {
  return new Variables(parseScript(source), [{ source: 'test', values }]);
}

/** A file's text. */
export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The scenario of that name; fails the test when there is none. */
export function scenarioOf(result: ScriptResult, name: string): ScenarioResult {
  const found = result.scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario "${name}" in ${JSON.stringify(result.scenarios.map((s) => s.name))}`);
  return found;
}

/** The failure of the scenario of that name; fails the test when it passed. */
export function failureOf(result: ScriptResult, name: string): StepResult {
  const failure = scenarioOf(result, name).failure;
  if (!failure) throw new Error(`scenario "${name}" did not fail: ${JSON.stringify(scenarioOf(result, name))}`);
  return failure;
}

/** A compact view of a result for assertion messages. */
export function summarize(result: ScriptResult): string {
  return JSON.stringify(
    result.scenarios.map((s) => ({ name: s.name, status: s.status, failure: s.failure })),
    null,
    1,
  );
}
