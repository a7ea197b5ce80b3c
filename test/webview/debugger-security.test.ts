/**
 * Security in the debugger webview, in headless Chromium against the fake host: a socket made from
 * a security profile shows its mechanism, role, profile and public key; a connection in the PLAIN
 * or CURVE handshake is drawn in its own phase (row, topology edge, legend); an ACTIVE CURVE peer
 * shows its mechanism, our side of it and the User-Id a ZAP handler gave it; the ladder draws
 * HELLO, WELCOME and INITIATE as security steps; the endpoint form offers the profiles, and a
 * profile picked sets the socket choice aside and goes with the Connect request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LadderView, PeerView, Snapshot } from '../../webview/protocol';
import { eventually, pickOption, postEvent, sampleSnapshot, shownOption, startWebviewHarness, type WebviewHarness } from '../support/webview-harness';

let harness: WebviewHarness;

before(async () => {
  harness = await startWebviewHarness();
});

after(async () => {
  await harness?.close();
});

const PUBLIC_KEY = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';

/** The sample snapshot with its socket made from profile "prod" (CURVE client), peer #101 ACTIVE under CURVE with a User-Id, #999 in the security handshake. */
function securedSnapshot(): Snapshot {
  const base = sampleSnapshot();
  const [active, securing] = base.peers;
  const peers: PeerView[] = [
    { ...active, mechanism: 'CURVE', securityRole: 'client', peerProperties: { 'Socket-Type': 'PEER', 'User-Id': 'alice', Region: 'eu' } },
    { ...securing, state: 'SECURITY_HANDSHAKE', mechanism: 'CURVE', securityRole: 'client' },
  ];
  return {
    ...base,
    sockets: [{ ...base.sockets[0], label: 'PEER · prod', security: { profile: 'prod', mechanism: 'CURVE', role: 'client', publicKey: PUBLIC_KEY } }],
    peers,
    profiles: [
      { name: 'prod', mechanism: 'CURVE', role: 'client', description: 'CURVE client · key pair "laptop" · server key rq:rM>}U…' },
      { name: 'users', mechanism: 'PLAIN', role: 'server', description: 'PLAIN server · users bob' },
    ],
  };
}

const CURVE_LADDER: LadderView = {
  socketId: 's1', connectionId: 1, lastFailed: null,
  current: { attempt: 1, outcome: 'active', error: null, steps: [
    { time: 1000, direction: 'out', kind: 'net', label: 'tcp connect', detail: 'tcp://127.0.0.1:5555' },
    { time: 1001, direction: 'in', kind: 'net', label: 'connected', detail: null },
    { time: 1001, direction: 'out', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · CURVE · as-server 0' },
    { time: 1002, direction: 'in', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · CURVE · as-server 1' },
    { time: 1002, direction: 'out', kind: 'security', label: 'HELLO', detail: 'CURVE 1.0 · nonce 1' },
    { time: 1003, direction: 'in', kind: 'security', label: 'WELCOME', detail: 'server key and cookie, boxed' },
    { time: 1003, direction: 'out', kind: 'security', label: 'INITIATE', detail: 'cookie, vouch, metadata · 257 B' },
    { time: 1004, direction: 'in', kind: 'command', label: 'READY', detail: 'metadata, boxed · nonce 1 · 58 B' },
    { time: 1004, direction: 'local', kind: 'note', label: 'ACTIVE', detail: 'routing id #101' },
  ] },
};

async function rowText(routingId: number, testid: string): Promise<string> {
  return ((await harness.page.locator(`[data-testid="peer-row"][data-routing-id="${routingId}"]`).getByTestId(testid).textContent()) ?? '').trim();
}

describe('security in the debugger webview', () => {
  it("shows a profile socket's security and key, each connection's mechanism, our side, its User-Id, and the security handshake as its own phase", async () => {
    await harness.open(securedSnapshot());
    const page = harness.page;
    assert.equal(await page.getByTestId('socket-security').textContent(), 'CURVE client · profile "prod"');
    assert.equal(await page.getByTestId('socket-public-key').textContent(), `public key ${PUBLIC_KEY}`);
    assert.ok(await page.getByTestId('socket-public-key').isVisible());
    assert.equal(await rowText(101, 'peer-security'), 'CURVE · we are the client');
    assert.equal(await rowText(101, 'peer-user-id'), 'alice');
    assert.equal(await rowText(101, 'peer-properties'), 'Socket-Type=PEER, User-Id=alice, Region=eu');
    // The connection in the handshake: its row, its edge and the legend say so.
    const securing = page.locator('[data-testid="peer-row"][data-routing-id="999"]');
    assert.equal(await securing.getAttribute('data-phase'), 'securing');
    assert.equal(await rowText(999, 'peer-state'), 'SECURITY_HANDSHAKE');
    assert.equal(await page.locator('[data-testid="topology-edge"][data-key="s1/2"]').getAttribute('data-phase'), 'securing');
    assert.match((await page.getByTestId('topology-legend').textContent()) ?? '', /security handshake/);
    const labels = await page.getByTestId('topology-edge-label').allTextContents();
    assert.deepEqual(labels, ['#101 · tcp · CURVE', '#999 · tcp · CURVE']);
    // The purple of charts-purple, not the greeting's blue.
    const stroke = await page.locator('[data-testid="topology-edge"][data-key="s1/2"]').evaluate((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { stroke: string } }).getComputedStyle(e).stroke);
    assert.equal(stroke, 'rgb(177, 128, 215)');
  });

  it("keeps a long edge label (a 10-digit routing id, CURVE, rates) clear of the endpoint node it starts from", async () => {
    const snap = securedSnapshot();
    await harness.open({ ...snap, peers: snap.peers.map((p, i) => ({ ...p, routingId: 4294967295 - i, state: 'ACTIVE' })) });
    const page = harness.page;
    await page.evaluate('window.__harness.rate = 2400; window.__harness.rates(Date.now())');
    const label = page.locator('[data-testid="topology-edge-label"][data-key="s1/1"]');
    await eventually('the label with rates', async () => (await label.textContent()) ?? '', (t) => /^#4294967295 · tcp · CURVE · ↓\S+ ↑\S+\/s$/.test(t));
    const endpointNode = page.locator('[data-testid="topology-node"][data-node="endpoint"] rect').first();
    const peerNode = page.locator('[data-testid="topology-node"][data-key="s1/1"] rect');
    const [text, endpoint, peerBox] = [await label.boundingBox(), await endpointNode.boundingBox(), await peerNode.boundingBox()];
    assert.ok(text !== null && endpoint !== null && peerBox !== null);
    assert.ok(text.x > endpoint.x + endpoint.width && text.x + text.width < peerBox.x, `label between the nodes: ${JSON.stringify({ text, endpoint, peerBox, label: await label.textContent() })}`);
  });

  it('draws HELLO, WELCOME and INITIATE on the ladder as the security handshake', async () => {
    await harness.open(securedSnapshot());
    await postEvent(harness.page, { type: 'ladder', ladder: CURVE_LADDER });
    await harness.page.locator('[data-testid="peer-row"][data-routing-id="101"]').click();
    const steps = harness.page.getByTestId('ladder-step');
    await eventually('the ladder', () => steps.count(), (n) => n === 9);
    const security = await harness.page.locator('[data-testid="ladder-step"][data-kind="security"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`));
    assert.deepEqual(security, ['out HELLO', 'in WELCOME', 'out INITIATE']);
    for (const label of ['HELLO', 'WELCOME', 'INITIATE']) assert.ok(await harness.page.locator(`[data-testid="ladder-step"][data-label="${label}"]`).isVisible(), label);
    assert.match((await harness.page.getByTestId('ladder').textContent()) ?? '', /CURVE 1\.0 · nonce 1/);
  });

  it('offers the profiles in the endpoint form; a profile sets the socket choice aside and goes with Connect', async () => {
    await harness.open(securedSnapshot());
    const page = harness.page;
    assert.equal(await shownOption(page, 'endpoint-profile'), "No profile (the socket's own security)");
    const options = await page.getByTestId('endpoint-profile').locator('vscode-option').allTextContents();
    assert.deepEqual(options.map((o) => o.trim()), ["No profile (the socket's own security)", 'prod · CURVE client', 'users · PLAIN server']);
    assert.equal(await page.getByTestId('endpoint-socket').getAttribute('disabled'), null);
    await pickOption(page, 'endpoint-profile', 'prod');
    assert.equal(await shownOption(page, 'endpoint-profile'), 'prod · CURVE client');
    assert.notEqual(await page.getByTestId('endpoint-socket').getAttribute('disabled'), null, 'the socket choice is set aside');
    await page.getByTestId('endpoint-input').locator('input').fill('tcp://127.0.0.1:7777');
    await page.getByTestId('connect-button').click();
    await eventually('the result line', async () => ((await page.getByTestId('endpoint-result').textContent()) ?? '').trim(), (t) => t.startsWith('Connecting'));
    assert.equal(((await page.getByTestId('endpoint-result').textContent()) ?? '').trim(), 'Connecting tcp://127.0.0.1:7777 with profile "prod": routing id #777');
    const posted = (await page.evaluate('window.__harness.posted')) as { kind: string; method?: string; params?: unknown }[];
    assert.deepEqual(posted.filter((m) => m.method === 'socket/connectPeer').map((m) => m.params), [{ socketId: 's1', endpoint: 'tcp://127.0.0.1:7777', profile: 'prod' }]);
    // The profiles change (settings edited): the form follows.
    await postEvent(page, { type: 'profiles', profiles: [] });
    await eventually('no profiles', () => shownOption(page, 'endpoint-profile'), (t) => t === 'No security profiles');
    assert.equal(await page.getByTestId('endpoint-socket').getAttribute('disabled'), null);
  });
});
