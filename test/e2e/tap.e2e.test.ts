/**
 * End to end, in a real VS Code (code-server) driven through Chromium: "ZMQ: Start Tap" in front of a libzmq 4.3.4
 * PEER echo (listen endpoint, upstream endpoint checked as typed, policy), a libzmq PEER app pointed at the tap, and
 * in the debugger the pair with both socket types, its handshake ladder and the messages both ways; a libzmq DEALER
 * pointed at the same tap, diagnosed on screen with both socket types named; the tree's tap row; the debugger's
 * Export as pcapng read back by a real tshark 4.4 (scripts/install-tshark.sh) as ZMTP; and Stop Tap from the tree.
 *
 * Then terminating CURVE: "ZMQ: Start Tap" in front of a libzmq CURVE PEER echo, "Terminate CURVE with my keys…",
 * both profiles added on the way ("Add Security Profile…", the upstream server's and an allowed client's existing
 * secret keys entered into SecretStorage); a libzmq CURVE app pointed at the tap: its message and the echo on screen
 * decrypted, the tap's row and the tree's saying "terminating CURVE" with the two public keys; no secret in the
 * settings or the logs.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { answerInputBox, inputBoxMessage, runCommand, sleep, waitInputBox, waitInputBoxMessage, waitNotification, waitWebview } from '../support/code-server';
import { eventTypes, eventually, filesUnder, visibleRows, waitStatusBar, withWorkbench } from '../support/e2e-scenario';
import { LibzmqEchoServer, LibzmqSocket } from '../support/libzmq';
import { followedBytes, tshark44, tsharkHost } from '../support/tshark';

let echo: LibzmqEchoServer;
const apps: LibzmqSocket[] = [];

before(async () => {
  echo = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*');
});

after(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await echo?.close();
});

/** The pair row of the tap whose label (app type ↔ upstream type) is `label`. */
function pairRow(view: FrameLocator, label: string) {
  return view.locator('[data-testid="peer-row"][data-pair="true"]').filter({ has: view.getByTestId('peer-routing-id').filter({ hasText: label }) }).first();
}

/**
 * Answers the save dialog (code-server's own, an input box holding a path) with `file` and waits for the file. The
 * path is checked as typed before Enter; under load Enter can come before the dialog has read it, so it is pressed
 * again while the dialog stays open.
 */
async function saveAs(page: Page, file: string): Promise<void> {
  await waitInputBox(page, 'Export the tap traffic for Wireshark');
  const input = page.locator('.quick-input-widget').filter({ visible: true }).locator('input').first();
  // The dialog puts its default path in after it shows: type ours until it stays.
  await eventually('the path typed into the save dialog', async () => {
    if ((await input.inputValue({ timeout: 1000 })) !== file) await input.fill(file, { timeout: 1000 });
    await sleep(300);
    return input.inputValue({ timeout: 1000 });
  }, (v) => v === file);
  let lastEnter = 0;
  await eventually('the pcapng written', async () => {
    if (existsSync(file)) return statSync(file).size;
    if (Date.now() - lastEnter > 2000 && (await input.isVisible().catch(() => false))) {
      lastEnter = Date.now();
      await input.press('Enter', { timeout: 1000 }).catch(() => undefined);
    }
    return 0;
  }, (n) => n > 0);
}

test('ZMQ: Start Tap in front of a libzmq PEER: the pair, its handshake and messages, a DEALER diagnosed, pcapng read by tshark, Stop', { timeout: 300000 }, async (t) => {
  await withWorkbench(t, 'tap', async (wb) => {
    const page = wb.page;
    await runCommand(page, 'ZMQ: Start Tap', { beforeRun: () => wb.shot('command-palette') });
    await waitInputBox(page, 'ZMQ: Start Tap (1/4): listen');
    await answerInputBox(page, 'inproc://nowhere', { submit: false });
    await waitInputBoxMessage(page, /^ENOCOMPATPROTO/);
    await wb.shot('listen-inproc-refused');
    await answerInputBox(page, 'tcp://127.0.0.1:*');

    await waitInputBox(page, 'ZMQ: Start Tap (2/4): upstream');
    await answerInputBox(page, echo.endpoint.replace('tcp://', 'ws://'), { submit: false });
    await waitInputBoxMessage(page, /^EPROTONOSUPPORT.*both legs/);
    await wb.shot('upstream-ws-refused');
    await answerInputBox(page, echo.endpoint, { submit: false });
    await eventually('no problem under the upstream', () => inputBoxMessage(page), (m) => !/^E[A-Z]+/.test(m));
    await page.keyboard.press('Enter');

    await waitInputBox(page, 'ZMQ: Start Tap (3/4): when the upstream is down');
    await wb.shot('policy-pick');
    await page.keyboard.press('Enter');
    // Security: relaying as is is the default.
    await waitInputBox(page, 'ZMQ: Start Tap (4/4): security');
    await wb.shot('security-pick');
    await page.keyboard.press('Enter');
    const status = await waitStatusBar(page, /Tap listening on tcp:\/\/127\.0\.0\.1:\d+, relaying to /);
    const tapEndpoint = /on (tcp:\/\/127\.0\.0\.1:\d+),/.exec(status)![1];
    assert.match(status, /\(mirror\)$/);
    const view = await waitWebview(page, 'socket-row', 30000);
    const tapSocket = view.locator('[data-testid="socket-row"][data-socket-id^="tap-"]');
    await tapSocket.waitFor({ timeout: 20000 });
    assert.equal((await tapSocket.getByTestId('socket-label').textContent())?.trim(), 'Tap 1 · mirror TAP');
    assert.deepEqual(await tapSocket.getByTestId('socket-bound').allTextContents(), [`bound ${tapEndpoint}`]);
    assert.deepEqual(await tapSocket.getByTestId('socket-connected').allTextContents(), [`→ ${echo.endpoint}`]);

    // A libzmq PEER app pointed at the tap instead of the echo: the pair, ACTIVE, both socket types.
    const app = await LibzmqSocket.start('PEER');
    apps.push(app);
    const rid = await app.connectPeer(tapEndpoint);
    const peerPair = pairRow(view, 'app PEER ↔ upstream PEER');
    await eventually('the PEER pair ACTIVE', async () => (await peerPair.getByTestId('peer-state').textContent({ timeout: 1000 }))?.trim(), (s) => s === 'ACTIVE');
    await app.send(rid, 'hello through the tap');
    const echoed = await app.receive(10000);
    assert.equal(Buffer.from(echoed.data).toString(), 'hello through the tap', 'the echo came back through the tap unchanged');
    await eventually('both messages on screen', () => visibleRows(view), (rows) => rows.filter((r) => r === 'hello through the tap').length === 2);
    const dirs = await view.locator('[data-testid="traffic-row"][data-kind="data"]:visible [data-testid="traffic-direction"]').allTextContents();
    assert.deepEqual(dirs.slice(-2), ['app→up', 'up→app']);
    await peerPair.click();
    await eventually('the pair\'s ladder', () => view.getByTestId('ladder-title').textContent({ timeout: 1000 }), (s) => (s ?? '').startsWith('app PEER ↔ upstream PEER'));
    const steps = await view.getByTestId('ladder-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`));
    for (const step of ['out greeting', 'in greeting', 'out READY', 'in READY', 'local ACTIVE', 'out data 21 B', 'in data 21 B']) assert.ok(steps.includes(step), `${step} in ${steps.join(', ')}`);
    // The tap's sparkline counts what passes in each second: a few more messages, then a rate above zero.
    for (let i = 0; i < 3; i++) {
      await app.send(rid, `again ${i}`);
      await app.receive(10000);
    }
    await eventually('the last message both ways on screen', () => visibleRows(view), (rows) => rows.filter((r) => r === 'again 2').length === 2);
    // The caption is the last second's rate: under load a single burst can fall between two looks, so a message goes
    // through the tap before each look until the caption shows one.
    let ticks = 0;
    await eventually('the tap\'s message rate', async () => {
      await app.send(rid, `rate ${ticks++}`);
      await app.receive(10000);
      return (await tapSocket.getByTestId('rate-caption').textContent({ timeout: 1000 }))?.trim() ?? '';
    }, (s) => /↓[1-9]|↑[1-9]/.test(s));
    await wb.shot('peer-pair-active');

    // A libzmq DEALER pointed at the same tap: libzmq's PEER closes it without a word; the tap names both types.
    const dealer = await LibzmqSocket.start('DEALER', { options: { RECONNECT_IVL: 1000 } });
    apps.push(dealer);
    await dealer.connect(tapEndpoint);
    const dealerPair = pairRow(view, 'app DEALER ↔ upstream PEER');
    const problem = await eventually('the diagnosis on screen', async () => (await dealerPair.getByTestId('peer-problem').textContent({ timeout: 1000 }))?.trim() ?? '', (s) => s !== '');
    assert.match(problem, /^✕ DEALER → PEER: incompatible; libzmq 4\.3\.4 closes as soon as it reads the other READY, without ERROR/);
    assert.ok(await dealerPair.getByTestId('peer-problem').isVisible());
    await eventually('the diagnosis in the event log', () => eventTypes(view), (types) => types.includes('incompatible-socket-types'));
    await dealer.close();
    await dealerPair.click();
    await view.getByTestId('ladder-pane').scrollIntoViewIfNeeded();
    await eventually('the failed ladder', () => view.getByTestId('ladder-error').textContent({ timeout: 1000 }), (s) => /^incompatible-socket-types: DEALER → PEER/.test(s ?? ''));
    assert.match((await view.getByTestId('ladder-advice').textContent()) ?? '', /change the socket type on one side/);
    await wb.shot('dealer-pair-diagnosed');

    // The tree lists the tap: listen → upstream, policy, open connections.
    await runCommand(page, 'ZMQ: Focus on Sockets View');
    // Wide enough to read the row: drag the side bar's edge to the right.
    const sidebar = (await page.locator('.part.sidebar').boundingBox())!;
    await page.mouse.move(sidebar.x + sidebar.width - 1, sidebar.y + sidebar.height / 2);
    await page.mouse.down();
    await page.mouse.move(sidebar.x + sidebar.width + 260, sidebar.y + sidebar.height / 2, { steps: 8 });
    await page.mouse.up();
    const treeRow = page.locator('.monaco-list-row', { hasText: `${tapEndpoint} → ${echo.endpoint}` }).first();
    await treeRow.waitFor({ timeout: 15000 });
    await eventually('tree description', async () => (await treeRow.locator('.label-description').textContent({ timeout: 1000 }))?.trim(), (s) => s === 'tap · mirror · 1 connection');
    await treeRow.hover();
    await wb.shot('tree-tap-row');

    // Export from the debugger: pcapng for Wireshark ≥ 4.4 is the default; tshark 4.4 decodes it as ZMTP as is.
    const file = join(wb.server.workspace, 'tap-e2e.pcapng');
    await view.getByTestId('export-traffic').click();
    await waitInputBox(page, 'Export ZMQ traffic as');
    await wb.shot('export-format-pick');
    await page.keyboard.press('Enter');
    await saveAs(page, file);
    const data = await tshark44(file, ['-Y', 'zmtp.data', '-T', 'fields', '-e', 'zmtp.data']);
    const hello = Buffer.from('hello through the tap').toString('hex');
    assert.equal(data.split('\n').filter((line) => line.trim() === hello).length, 2, `the message both ways, decoded as ZMTP:\n${data}`);
    const types = await tshark44(file, ['-Y', 'zmtp.command-name == "READY"', '-T', 'fields', '-e', 'zmtp.metadata.value']);
    for (const type of ['PEER', 'DEALER']) assert.ok(types.split('\n').some((line) => line.includes(type)), `READY Socket-Type ${type} in:\n${types}`);

    // The second format, synthesized TCP, for older Wireshark: the machine's tshark 4.0 follows the stream back to the bytes.
    const tcpFile = join(wb.server.workspace, 'tap-e2e-tcp.pcapng');
    await view.getByTestId('export-traffic').click();
    await waitInputBox(page, 'Export ZMQ traffic as');
    // Typed, not arrowed to: the pick filters to the one format, whatever has rendered yet.
    await answerInputBox(page, 'synthesized TCP');
    await saveAs(page, tcpFile);
    const followed = followedBytes(await tsharkHost(tcpFile, ['-q', '-z', 'follow,tcp,raw,0']));
    assert.ok(followed.client.includes(Buffer.from('hello through the tap')), 'tshark 4.0 follows the PEER pair\'s stream: the app\'s message');
    assert.ok(followed.server.includes(Buffer.from('hello through the tap')), 'and the echo the upstream sent back');

    // The palette's Export Traffic… offers the same formats: the default pcapng, decoded by tshark 4.4 as ZMTP.
    const paletteFile = join(wb.server.workspace, 'tap-e2e-palette.pcapng');
    await runCommand(page, 'ZMQ: Export Traffic…');
    await waitInputBox(page, 'Export ZMQ traffic as');
    await page.keyboard.press('Enter');
    await saveAs(page, paletteFile);
    await waitNotification(page, /Exported the ZMQ traffic to .*tap-e2e-palette\.pcapng/);
    const fromPalette = await tshark44(paletteFile, ['-Y', 'zmtp.data', '-T', 'fields', '-e', 'zmtp.data']);
    assert.equal(fromPalette.split('\n').filter((line) => line.trim() === hello).length, 2, `the palette's export, decoded as ZMTP:\n${fromPalette}`);

    // Stop from the tree's inline button: the tap leaves the tree and the debugger.
    await treeRow.hover();
    await treeRow.locator('.action-label[aria-label^="Stop Tap"]').click();
    await waitStatusBar(page, /Tap stopped/);
    await eventually('the tap gone from the debugger', () => tapSocket.count(), (n) => n === 0);
    await treeRow.waitFor({ state: 'detached', timeout: 15000 });
    await wb.shot('tap-stopped');
  });
});

/** Waits for the quick input whose title, placeholder or message holds `hint`, then types `text` and Enter. */
async function answer(page: Page, hint: string | RegExp, text: string): Promise<void> {
  await waitInputBox(page, hint);
  await answerInputBox(page, text);
}

test('ZMQ: Start Tap terminating CURVE: profiles added on the way, a libzmq CURVE app and server, the traffic decrypted on screen', { timeout: 300000 }, async (t) => {
  const keyMaker = await LibzmqSocket.start('PEER');
  apps.push(keyMaker);
  // libzmq's zmq_curve_keypair: the upstream server's keys, a client key its ZAP handler admits (the tap's), and the app's own.
  const serverKeys = await keyMaker.curveKeypair();
  const tapClientKeys = await keyMaker.curveKeypair();
  const appKeys = await keyMaker.curveKeypair();
  const curveEcho = await LibzmqSocket.start('PEER', { options: { CURVE_SERVER: 1, CURVE_SECRETKEY: serverKeys.secretKey } });
  apps.push(curveEcho);
  const curveEndpoint = await curveEcho.bind('tcp://127.0.0.1:*');
  await curveEcho.echo();
  const short = (key: string): string => `${key.slice(0, 8)}…`;

  await withWorkbench(t, 'tap-curve', async (wb) => {
    const page = wb.page;
    await runCommand(page, 'ZMQ: Start Tap');
    await answer(page, 'ZMQ: Start Tap (1/4): listen', 'tcp://127.0.0.1:*');
    await answer(page, 'ZMQ: Start Tap (2/4): upstream', curveEndpoint);
    await waitInputBox(page, 'ZMQ: Start Tap (3/4): when the upstream is down');
    await page.keyboard.press('Enter');
    await waitInputBox(page, 'ZMQ: Start Tap (4/4): security');
    await answerInputBox(page, 'Terminate CURVE', { submit: false });
    await wb.shot('security-terminate-picked');
    await page.keyboard.press('Enter');

    // No profiles yet: each pick offers "Add Security Profile…", of the kind it needs.
    await waitInputBox(page, 'No CURVE server profile');
    await wb.shot('server-profile-none');
    await answerInputBox(page, 'Add Security Profile');
    await answer(page, 'ZMQ: Add Security Profile — name', 'upstream-server');
    await answer(page, /the server's CURVE key pair/, 'Enter an existing secret key');
    await answer(page, 'ZMQ: Add Security Profile — key pair name', 'upstream-server-key');
    await waitInputBox(page, 'secret key of "upstream-server-key"');
    await answerInputBox(page, serverKeys.secretKey);
    await answer(page, '— allowed clients', '');
    await waitNotification(page, /Security profile "upstream-server" \(CURVE server\) added/);

    await waitInputBox(page, 'No CURVE client profile');
    await answerInputBox(page, 'Add Security Profile');
    await answer(page, 'ZMQ: Add Security Profile — name', 'tap-client');
    await answer(page, /our CURVE key pair/, 'Enter an existing secret key');
    await answer(page, 'ZMQ: Add Security Profile — key pair name', 'tap-client-key');
    await waitInputBox(page, 'secret key of "tap-client-key"');
    await answerInputBox(page, tapClientKeys.secretKey);
    await answer(page, "the server's public key", serverKeys.publicKey);

    const status = await waitStatusBar(page, /Tap listening on tcp:\/\/127\.0\.0\.1:\d+, relaying to .*terminating CURVE/);
    const tapEndpoint = /on (tcp:\/\/127\.0\.0\.1:\d+),/.exec(status)![1];
    assert.ok(status.includes(`apps must trust server key ${short(serverKeys.publicKey)}`), status);
    const view = await waitWebview(page, 'socket-row', 30000);
    const tapSocket = view.locator('[data-testid="socket-row"][data-socket-id^="tap-"]');
    await tapSocket.waitFor({ timeout: 20000 });
    const security = tapSocket.getByTestId('socket-security');
    assert.equal((await security.textContent())?.trim(), `terminating CURVE · server key ${short(serverKeys.publicKey)} · client key ${short(tapClientKeys.publicKey)}`);
    assert.ok(await security.isVisible());

    // A libzmq CURVE app that trusts the upstream's server key, pointed at the tap.
    const app = await LibzmqSocket.start('PEER', { options: { CURVE_SERVERKEY: serverKeys.publicKey, CURVE_PUBLICKEY: appKeys.publicKey, CURVE_SECRETKEY: appKeys.secretKey } });
    apps.push(app);
    const rid = await app.connectPeer(tapEndpoint);
    await app.send(rid, 'sealed hello through the tap');
    const echoed = await app.receive(10000);
    assert.equal(Buffer.from(echoed.data).toString(), 'sealed hello through the tap', 'the echo came back through both CURVE legs');
    const pair = pairRow(view, 'app PEER ↔ upstream PEER');
    await eventually('the pair ACTIVE', async () => (await pair.getByTestId('peer-state').textContent({ timeout: 1000 }))?.trim(), (s) => s === 'ACTIVE');
    assert.equal((await pair.getByTestId('peer-security').textContent())?.trim(), 'CURVE · terminated by the tap: server to the app, client to the upstream');
    await eventually('the message and its echo on screen, decrypted', () => visibleRows(view), (rows) => rows.filter((r) => r === 'sealed hello through the tap').length === 2);
    const dirs = await view.locator('[data-testid="traffic-row"][data-kind="data"]:visible [data-testid="traffic-direction"]').allTextContents();
    assert.deepEqual(dirs.slice(-2), ['app→up', 'up→app']);
    await pair.click();
    await eventually('the pair\'s ladder', () => view.getByTestId('ladder-title').textContent({ timeout: 1000 }), (s) => (s ?? '').startsWith('app PEER ↔ upstream PEER'));
    const steps = await view.getByTestId('ladder-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`));
    for (const step of ['out HELLO', 'in WELCOME', 'out INITIATE', 'in READY', 'local ACTIVE', 'out data 28 B', 'in data 28 B']) assert.ok(steps.includes(step), `${step} in ${steps.join(', ')}`);
    await security.scrollIntoViewIfNeeded();
    await wb.shot('terminating-pair-decrypted');

    // The tree's tap row says it too.
    await runCommand(page, 'ZMQ: Focus on Sockets View');
    // Wide enough to read the row: drag the side bar's edge to the right.
    const sidebar = (await page.locator('.part.sidebar').boundingBox())!;
    await page.mouse.move(sidebar.x + sidebar.width - 1, sidebar.y + sidebar.height / 2);
    await page.mouse.down();
    await page.mouse.move(sidebar.x + sidebar.width + 420, sidebar.y + sidebar.height / 2, { steps: 8 });
    await page.mouse.up();
    const treeRow = page.locator('.monaco-list-row', { hasText: `${tapEndpoint} → ${curveEndpoint}` }).first();
    await treeRow.waitFor({ timeout: 15000 });
    await eventually('tree description', async () => (await treeRow.locator('.label-description').textContent({ timeout: 1000 }))?.trim(),
      (s) => s === `tap · mirror · terminating CURVE (${short(serverKeys.publicKey)} / ${short(tapClientKeys.publicKey)}) · 1 connection`);
    await treeRow.hover();
    await wb.shot('tree-terminating-tap');

    // The profiles name key pairs; the secrets are in SecretStorage only: none in the settings or the logs.
    const settings = JSON.parse(readFileSync(join(wb.server.runDir, 'ud', 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(settings['zmqPeer.security.profiles'], [
      { name: 'upstream-server', mechanism: 'CURVE', role: 'server', keyPair: 'upstream-server-key' },
      { name: 'tap-client', mechanism: 'CURVE', role: 'client', keyPair: 'tap-client-key', serverKey: serverKeys.publicKey },
    ]);
    for (const file of [...filesUnder(join(wb.server.runDir, 'ud', 'User')), ...filesUnder(join(wb.server.runDir, 'ud', 'logs')), ...filesUnder(wb.server.workspace)]) {
      for (const secret of [serverKeys.secretKey, tapClientKeys.secretKey]) assert.ok(!file.text.includes(secret), `${file.path} holds a secret key`);
    }
  });
});
