import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScript } from '../../zmq-script/parser';
import { UndefinedVariableError } from '../../zmq-script/template';
import { environmentLayer, readDotEnv, VariableCycleError, Variables } from '../../zmq-script/variables';

const fileVariables = (src: string): Variables => new Variables(parseScript(src));

describe('script variables: precedence', () => {
  const script = parseScript('@a = file\n@b = file\n@c = file\n@d = file');
  const variables = new Variables(script, [
    { source: 'settings', values: { b: 'settings', c: 'settings', d: 'settings', s: 'settings' } },
    { source: '.env (/p/.env)', values: { c: 'dotenv', d: 'dotenv' } },
    { source: 'environment', values: { d: 'environment' } },
  ]);

  it('gives each variable the value of the highest layer that has it, the file being the lowest', () => {
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 's'].map((n) => variables.get(n)),
      ['file', 'settings', 'dotenv', 'environment', 'settings'],
    );
  });

  it('says where each value comes from, with the line of file definitions', () => {
    assert.deepEqual(variables.describe('a'), { value: 'file', source: 'file', line: 0 });
    assert.deepEqual(variables.describe('c'), { value: 'dotenv', source: '.env (/p/.env)' });
    assert.deepEqual(variables.describe('d'), { value: 'environment', source: 'environment' });
    assert.equal(variables.describe('nope'), undefined);
  });

  it('lists every name once and knows which exist', () => {
    assert.deepEqual(variables.names().sort(), ['a', 'b', 'c', 'd', 's']);
    assert.equal(variables.has('s'), true);
    assert.equal(variables.has('z'), false);
    assert.equal(variables.get('z'), undefined);
  });

  it('lets a later file definition win over an earlier one', () => {
    assert.equal(fileVariables('@a = 1\n@a = 2').get('a'), '2');
  });
});

describe('script variables: references between values', () => {
  it('expands a file value that refers to variables defined later in the file', () => {
    const variables = fileVariables('@endpoint = tcp://{{host}}:{{port}}\n@host = 127.0.0.1\n@port = {{base}}5\n@base = 555');
    assert.equal(variables.get('endpoint'), 'tcp://127.0.0.1:5555');
    assert.equal(variables.describe('endpoint')?.value, 'tcp://{{host}}:{{port}}');
  });

  it('expands a file value with values from the layers, which override file ones', () => {
    const variables = new Variables(parseScript('@url = ws://{{host}}/x\n@host = file'), [{ source: 'environment', values: { host: 'env' } }]);
    assert.equal(variables.get('url'), 'ws://env/x');
  });

  it('takes values from the layers as they are, references included', () => {
    const variables = new Variables(parseScript('@host = h'), [{ source: 'settings', values: { raw: '{{host}}' } }]);
    assert.equal(variables.get('raw'), '{{host}}');
  });

  it('keeps a quoted value with its blanks', () => {
    assert.equal(fileVariables('@g = "  {{w}} "\n@w = hi').get('g'), '  hi ');
  });

  it('throws VariableCycleError naming the cycle from the variable asked for', () => {
    const variables = fileVariables('@a = {{b}}\n@b = {{c}}\n@c = x{{a}}\n@self = {{self}}');
    assert.throws(
      () => variables.get('a'),
      (err: unknown) => err instanceof VariableCycleError && err.code === 'ZMQS_VARIABLE_CYCLE' && err.message === 'variables refer to each other in a cycle: {{a}} → {{b}} → {{c}} → {{a}}' && err.cycle.join() === 'a,b,c,a',
    );
    assert.throws(() => variables.get('c'), { name: 'VariableCycleError', message: 'variables refer to each other in a cycle: {{c}} → {{a}} → {{b}} → {{c}}' });
    assert.throws(() => variables.get('self'), { name: 'VariableCycleError', message: 'variables refer to each other in a cycle: {{self}} → {{self}}' });
  });

  it('throws UndefinedVariableError for a reference to a variable that does not exist', () => {
    const variables = fileVariables('@a = x{{b}}\n@b = {{missing}}');
    assert.throws(
      () => variables.get('a'),
      (err: unknown) => err instanceof UndefinedVariableError && err.variable === 'missing' && err.code === 'ZMQS_UNDEFINED_VARIABLE',
    );
  });

  it('does not take a variable referred to twice for a cycle', () => {
    assert.equal(fileVariables('@a = {{b}}{{c}}\n@b = {{d}}\n@c = {{d}}\n@d = z').get('a'), 'zz');
  });
});

describe('script variables: .env files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'zmq-script-env-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (text: string): string => {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.env`);
    writeFileSync(file, text);
    return file;
  };

  it("reads KEY=value lines with Node's parser: quotes, comments, export, blanks", () => {
    const file = write(
      [
        '# a comment',
        'PLAIN=tcp://127.0.0.1:5555',
        'export EXPORTED=yes',
        'DOUBLE="two words" # trailing comment',
        "SINGLE='single'",
        'BACKTICK=`tick`',
        'BARE=unquoted value # comment',
        'SPACED =   padded   ',
        'NEWLINE="a\\nb"',
        "LITERAL='a\\nb'",
        'MULTI="first',
        'second"',
        'EMPTY=',
        'DUP=1',
        'DUP=2',
        '',
      ].join('\n'),
    );
    assert.deepEqual(readDotEnv(file), {
      PLAIN: 'tcp://127.0.0.1:5555',
      EXPORTED: 'yes',
      DOUBLE: 'two words',
      SINGLE: 'single',
      BACKTICK: 'tick',
      BARE: 'unquoted value',
      SPACED: 'padded',
      NEWLINE: 'a\nb',
      LITERAL: 'a\\nb',
      MULTI: 'first\nsecond',
      EMPTY: '',
      DUP: '2',
    });
  });

  it('reads CRLF files like LF ones', () => {
    assert.deepEqual(readDotEnv(write('A=1\r\nB="x y"\r\n')), { A: '1', B: 'x y' });
  });

  it('throws for a file that does not exist', () => {
    assert.throws(() => readDotEnv(join(dir, 'missing.env')), { code: 'ENOENT' });
  });

  it('gives a layer whose values silence undefined variables', () => {
    const values = readDotEnv(write('host=10.0.0.1\n'));
    const variables = new Variables(parseScript('@endpoint = tcp://{{host}}:1'), [{ source: '.env', values }]);
    assert.equal(variables.get('endpoint'), 'tcp://10.0.0.1:1');
  });
});

describe('script variables: the environment layer', () => {
  it('holds the defined values of the environment given, as the source "environment"', () => {
    assert.deepEqual(environmentLayer({ A: '1', B: undefined, EMPTY: '' }), { source: 'environment', values: { A: '1', EMPTY: '' } });
  });

  it('reads process.env by default', () => {
    const name = 'ZMQ_SCRIPT_TEST_VARIABLE';
    process.env[name] = 'from process';
    try {
      assert.equal(environmentLayer().values[name], 'from process');
    } finally {
      delete process.env[name];
    }
  });

  it('returns a copy that later changes to the environment do not reach', () => {
    const env: NodeJS.ProcessEnv = { A: '1' };
    const layer = environmentLayer(env);
    env.A = '2';
    assert.equal(layer.values.A, '1');
  });
});
