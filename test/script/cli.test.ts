import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { CLI, cleanEnv, cli, exec, ROOT, startCoreEcho, type CoreEcho, type Outcome } from '../support/script-runs';

/** The attributes of the first element named `tag` whose text matches `where`. */
function attributesOf(xml: string, tag: string, where: RegExp = /.*/): Record<string, string> {
  const element = [...xml.matchAll(new RegExp(`<${tag}((?:\\s+[\\w-]+="[^"]*")*)\\s*/?>`, 'g'))].find((m) => where.test(m[0]));
  assert.ok(element, `no <${tag}> matching ${where} in\n${xml}`);
  return Object.fromEntries([...element[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

const FAILING = ['@echo = tcp://127.0.0.1:1', 'scenario mismatch', '  connect {{echo}} as e', '  send e "abc"', '  expect e "abd"', 'end', 'scenario fine', '  connect {{echo}} as e', '  send e "ok"', '  expect e "ok"', 'end', ''].join('\n');

describe('the zmq-peer command line', () => {
  let echo: CoreEcho;
  let tmp: string;
  before(async () => {
    echo = await startCoreEcho();
    tmp = mkdtempSync(join(tmpdir(), 'zmq-peer-cli-'));
  });
  after(async () => {
    await echo.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs the echo example, ends with the summary line and writes JUnit XML', async () => {
    const junit = join(tmp, 'reports', 'r.xml');
    const { code, stdout, stderr } = await cli(['run', 'docs/examples/echo.zmq', '--var', `echo=${echo.endpoint}`, '--junit', junit]);
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /^docs\/examples\/echo\.zmq\n {2}✓ echoes every payload format \(\d+(\.\d+)? m?s\)\n {2}✓ keeps the order of many messages \(\d+(\.\d+)? m?s\)\n/);
    assert.ok(stdout.endsWith('\n2 passed, 0 failed\n'), stdout);
    assert.doesNotMatch(stdout, /\x1b\[/, 'no colours when stdout is not a terminal');
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.deepEqual(
      (({ tests, failures, errors, skipped }) => ({ tests, failures, errors, skipped }))(attributesOf(xml, 'testsuites')),
      { tests: '2', failures: '0', errors: '0', skipped: '0' },
    );
    assert.equal(attributesOf(xml, 'testsuite').name, 'docs/examples/echo.zmq');
    assert.equal(attributesOf(xml, 'testsuite').tests, '2');
    assert.deepEqual(
      [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      [
        ['echoes every payload format', 'docs/examples/echo.zmq'],
        ['keeps the order of many messages', 'docs/examples/echo.zmq'],
      ],
    );
    assert.doesNotMatch(xml, /<failure/);
  });

  it('reports a failing scenario readably, exits 1 and writes the failure into the XML', async () => {
    writeFileSync(join(tmp, 'failing.zmq'), FAILING);
    const junit = join(tmp, 'failing.xml');
    const { code, stdout } = await cli(['run', 'failing.zmq', '--var', `echo=${echo.endpoint}`, '--junit', junit], { cwd: tmp });
    assert.equal(code, 1, stdout);
    assert.match(
      stdout,
      /\n {2}✗ mismatch \(\d+ ms\)\n {6}failing\.zmq:5:3: expect e "abd"\n {6}frame differs at byte 2: expected 3 bytes "abd", received 3 bytes "abc"\n {6}expected:\n {8}abd\n {6}actual:\n {8}abc\n {2}✓ fine /,
    );
    assert.ok(stdout.endsWith('\n1 passed, 1 failed\n'), stdout);
    const xml = readFileSync(junit, 'utf8');
    assert.deepEqual(
      (({ tests, failures, errors }) => ({ tests, failures, errors }))(attributesOf(xml, 'testsuites')),
      { tests: '2', failures: '1', errors: '0' },
    );
    assert.match(xml, /<failure message="frame differs at byte 2: expected 3 bytes &quot;abd&quot;, received 3 bytes &quot;abc&quot;" type="ZMQS_MISMATCH">failing\.zmq:5: expect e "abd"\n/);
  });

  it('runs only the scenarios named with --scenario', async () => {
    writeFileSync(join(tmp, 'select.zmq'), FAILING);
    const { code, stdout } = await cli(['run', 'select.zmq', '--scenario', 'fine', '--var', `echo=${echo.endpoint}`], { cwd: tmp });
    assert.equal(code, 0, stdout);
    assert.doesNotMatch(stdout, /mismatch/);
    assert.ok(stdout.endsWith('\n1 passed, 0 failed\n'), stdout);
  });

  it('takes a variable from the environment', async () => {
    const { code, stdout, stderr } = await cli(['run', 'docs/examples/echo.zmq'], { env: { echo: echo.endpoint } });
    assert.equal(code, 0, stdout + stderr);
    assert.ok(stdout.endsWith('\n2 passed, 0 failed\n'), stdout);
  });

  it('takes variables from the .env next to the script, under the environment', async () => {
    const dir = mkdtempSync(join(tmp, 'dotenv-'));
    writeFileSync(join(dir, 'greet.zmq'), ['@echo = tcp://127.0.0.1:1', 'scenario greets', '  connect {{echo}} as e', '  send e "{{word}}"', '  expect e "from the environment"', 'end', ''].join('\n'));
    writeFileSync(join(dir, '.env'), `echo=${echo.endpoint}\nword=from the dotenv file\n`);
    const fromFile = await cli(['run', join(dir, 'greet.zmq')]);
    assert.equal(fromFile.code, 1, fromFile.stdout);
    assert.match(fromFile.stdout, /expected 20 bytes "from the environment", received 20 bytes "from the dotenv file"/);
    const fromEnv = await cli(['run', join(dir, 'greet.zmq')], { env: { word: 'from the environment' } });
    assert.equal(fromEnv.code, 0, fromEnv.stdout);
  });

  it('reads --env-file instead of the .env next to the script', async () => {
    const env = join(tmp, 'other.env');
    writeFileSync(env, `echo=${echo.endpoint}\n`);
    const { code, stdout } = await cli(['run', 'docs/examples/echo.zmq', '--env-file', env]);
    assert.equal(code, 0, stdout);
  });

  it('lets --var override the environment', async () => {
    const { code, stdout } = await cli(['run', 'docs/examples/echo.zmq', '--var', `echo=${echo.endpoint}`], { env: { echo: 'tcp://127.0.0.1:1' } });
    assert.equal(code, 0, stdout);
  });

  it('checks a bad script, printing file:line:col: severity CODE message, and exits 1', async () => {
    writeFileSync(join(tmp, 'bad.zmq'), ['scenario bad', '  bind foo://x', '  sleep forever', 'end', ''].join('\n'));
    const { code, stdout } = await cli(['check', 'bad.zmq'], { cwd: tmp });
    assert.equal(code, 1, stdout);
    assert.equal(
      stdout,
      [
        'bad.zmq:2:8: error EPROTONOSUPPORT Protocol not supported: unknown transport "foo"',
        'bad.zmq:3:9: error ZMQS_BAD_NUMBER "forever" is not a duration: write 500ms, 2s, 1.5s, 1m or a number of milliseconds (at most 24 h)',
        '1 file checked: 2 errors, 0 warnings',
        '',
      ].join('\n'),
    );
  });

  it('checks the examples without errors and exits 0', async () => {
    const { code, stdout } = await cli(['check', 'docs/examples/echo.zmq', 'docs/examples/self-contained.zmq']);
    assert.equal(code, 0, stdout);
    assert.equal(stdout, '2 files checked: 0 errors, 0 warnings\n');
  });

  it('does not run a file with check errors and exits 1', async () => {
    writeFileSync(join(tmp, 'broken.zmq'), ['scenario broken', '  bind foo://x', 'end', ''].join('\n'));
    const { code, stdout } = await cli(['run', 'broken.zmq'], { cwd: tmp });
    assert.equal(code, 1, stdout);
    assert.match(stdout, /broken\.zmq:2:8: error EPROTONOSUPPORT Protocol not supported: unknown transport "foo"\n/);
    assert.match(stdout, /✗ broken \(0 ms\)\n {6}broken\.zmq:2:8: bind foo:\/\/x\n {6}not run: line 2: EPROTONOSUPPORT: /);
    assert.ok(stdout.endsWith('\n0 passed, 1 failed\n'), stdout);
  });

  it('fails a file without scenarios', async () => {
    writeFileSync(join(tmp, 'empty.zmq'), '# nothing here\n');
    const { code, stdout } = await cli(['run', 'empty.zmq'], { cwd: tmp });
    assert.equal(code, 1, stdout);
    assert.match(stdout, /empty\.zmq: no scenarios/);
  });

  it('expands a glob the shell left alone', async () => {
    // curve-echo.zmq takes its keys from the environment, as a secret should come.
    const key = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';
    const env = { CURVE_SERVER_KEY: key, CURVE_PUBLIC_KEY: key, CURVE_SECRET_KEY: key };
    const { code, stdout } = await cli(['check', 'docs/examples/*.zmq'], { env });
    assert.equal(code, 0, stdout);
    assert.equal(stdout, '3 files checked: 0 errors, 0 warnings\n');
    const recursive = await cli(['check', 'docs/examples/**/*.zmq'], { env });
    assert.equal(recursive.stdout, '3 files checked: 0 errors, 0 warnings\n');
  });

  it('exits 2 with the usage for an unknown option', async () => {
    const { code, stdout, stderr } = await cli(['run', '--bogus', 'docs/examples/echo.zmq']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^zmq-peer: unknown option --bogus\n\nUsage: zmq-peer run \[options\] FILE…\n/);
  });

  it('exits 2 for no files, a missing file, an unknown command, a bad --var and an unknown scenario', async () => {
    const cases: [string[], RegExp][] = [
      [['run'], /^zmq-peer: no files: zmq-peer run FILE…\n/],
      [['run', 'nowhere.zmq'], /^zmq-peer: file not found: nowhere\.zmq\n/],
      [['run', 'nowhere/*.zmq'], /^zmq-peer: no files match nowhere\/\*\.zmq\n/],
      [['frobnicate', 'x.zmq'], /^zmq-peer: unknown command "frobnicate": use run, check or tap\n/],
      [['run', '--var', 'novalue', 'docs/examples/echo.zmq'], /^zmq-peer: --var novalue: write --var NAME=VALUE/],
      [['run', '--timeout', 'soon', 'docs/examples/echo.zmq'], /^zmq-peer: --timeout soon is not a duration/],
      [['run', '--scenario', 'no such', 'docs/examples/echo.zmq'], /^zmq-peer: no scenario named "no such" in docs\/examples\/echo\.zmq\n/],
      [[], /^zmq-peer: no command: use run, check or tap\n/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await cli(args);
      assert.equal(code, 2, `zmq-peer ${args.join(' ')}`);
      assert.match(stderr, message, `zmq-peer ${args.join(' ')}`);
      assert.match(stderr, /\nUsage: zmq-peer run/);
    }
  });

  it('prints the usage for --help and -h, and the package version for --version', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout } = await cli([flag]);
      assert.equal(code, 0);
      assert.match(stdout, /^Usage: zmq-peer run \[options\] FILE…\n {7}zmq-peer check \[options\] FILE…\n/);
    }
    const { code, stdout } = await cli(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });

  it('cancels the run on Ctrl-C, reports the scenarios as cancelled and exits 130', async () => {
    writeFileSync(join(tmp, 'slow.zmq'), ['scenario slow', '  connect {{echo}} as e', '  wait e connected within 2s', '  expect e any within 60s', 'end', 'scenario never', '  sleep 1ms', 'end', ''].join('\n'));
    const junit = join(tmp, 'slow.xml');
    const before = echo.connections.length;
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, 'run', 'slow.zmq', '--var', `echo=${echo.endpoint}`, '--junit', junit], { cwd: tmp, env: cleanEnv(), timeout: 30000 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? (err.code as unknown as number) : 0, stdout, stderr });
      });
      // Interrupt once the script's socket is connected to the echo and its last step waits.
      const waiting = setInterval(() => {
        if (echo.connections.slice(before).some((c) => c.state === 'ACTIVE')) {
          clearInterval(waiting);
          setTimeout(() => child.kill('SIGINT'), 300);
        }
      }, 20);
      child.on('exit', () => clearInterval(waiting));
    });
    assert.equal(outcome.code, 130, outcome.stdout + outcome.stderr);
    assert.match(outcome.stdout, /- slow \(cancelled at slow\.zmq:4: expect e any within 60s\)\n {2}- never \(cancelled\)\n/);
    assert.ok(outcome.stdout.endsWith('\n0 passed, 0 failed, 2 cancelled\n'), outcome.stdout);
    assert.match(outcome.stderr, /interrupted/);
    assert.equal((readFileSync(junit, 'utf8').match(/<skipped message="cancelled"\/>/g) ?? []).length, 2);
  });

  it('runs as `npx zmq-peer` from the repository root', async () => {
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const { code, stdout, stderr } = await exec(npx, ['--offline', 'zmq-peer', '--help'], { cwd: ROOT });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Usage: zmq-peer run \[options\] FILE…\n/);
  });
});
