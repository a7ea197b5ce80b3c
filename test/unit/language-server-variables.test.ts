import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseScript } from '../../core/script/parser';
import { Variables } from '../../core/script/variables';
import { dotEnvLayer, filePathOf, readSettings, SETTINGS_SOURCE, variableLayers, workspaceFolderOf } from '../../extension/language-server/variable-layers';

describe('the language server’s variable layers', () => {
  let root: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'zmq-ls-vars-'));
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'other'));
    writeFileSync(join(root, '.env'), 'where=root\nonlyRoot=1\n');
    writeFileSync(join(root, 'scripts', '.env'), 'where=scripts\n');
    writeFileSync(join(root, 'custom.env'), 'where=custom\n');
    // A directory called .env cannot be read: it must count as no .env at all.
    mkdirSync(join(root, 'other', 'broken'));
    mkdirSync(join(root, 'other', 'broken', '.env'));
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('takes string variables from the settings, numbers and booleans as text, and drops the rest', () => {
    assert.deepEqual(readSettings({ variables: { a: 'x', n: 5, b: true, o: { x: 1 }, u: null }, envFile: ' custom.env ' }), { variables: { a: 'x', n: '5', b: 'true' }, envFile: 'custom.env' });
    assert.deepEqual(readSettings(undefined), { variables: {}, envFile: '' });
    assert.deepEqual(readSettings({ variables: ['a'] }), { variables: {}, envFile: '' });
  });

  it('reads the .env next to the document first, else the workspace folder’s', () => {
    assert.equal(dotEnvLayer(join(root, 'scripts', 'a.zmq'), root)?.values.where, 'scripts');
    assert.equal(dotEnvLayer(join(root, 'other', 'a.zmq'), root)?.values.where, 'root');
    assert.equal(dotEnvLayer(join(root, 'other', 'a.zmq'), root)?.source, `.env (${join(root, '.env')})`);
  });

  it('reads the .env the envFile setting names, relative to the workspace folder', () => {
    assert.equal(dotEnvLayer(join(root, 'scripts', 'a.zmq'), root, 'custom.env')?.values.where, 'custom');
    assert.equal(dotEnvLayer(join(root, 'scripts', 'a.zmq'), root, 'missing.env'), undefined);
  });

  it('ignores a .env that cannot be read', () => {
    assert.equal(dotEnvLayer(join(root, 'other', 'broken', 'a.zmq'), undefined), undefined);
  });

  it('picks the workspace folder holding the document, else the first one', () => {
    const folders = [join(root, 'other'), root, join(root, 'scripts')];
    assert.equal(workspaceFolderOf(join(root, 'scripts', 'a.zmq'), folders), join(root, 'scripts'));
    assert.equal(workspaceFolderOf(join(tmpdir(), 'elsewhere.zmq'), folders), join(root, 'other'));
    assert.equal(workspaceFolderOf(undefined, []), undefined);
  });

  it('reads paths of file: URIs only', () => {
    assert.equal(filePathOf(pathToFileURL(join(root, 'a b.zmq')).href), join(root, 'a b.zmq'));
    assert.equal(filePathOf('untitled:Untitled-1'), undefined);
    assert.equal(filePathOf('file://remote-host/x.zmq'), undefined);
  });

  it('stacks settings, .env and environment in that order, each overriding the file', () => {
    const uri = pathToFileURL(join(root, 'scripts', 'a.zmq')).href;
    const script = parseScript('@where = file\n@fromFile = yes\n');
    const layers = variableLayers({ variables: { where: 'settings', onlySettings: 's' }, envFile: '' }, uri, [root], { where: 'environment' });
    assert.deepEqual(
      layers.map((l) => l.source),
      [SETTINGS_SOURCE, `.env (${join(root, 'scripts', '.env')})`, 'environment'],
    );
    const variables = new Variables(script, layers);
    assert.equal(variables.get('where'), 'environment');
    assert.equal(variables.get('fromFile'), 'yes');
    assert.equal(variables.describe('onlySettings')?.source, SETTINGS_SOURCE);
    const withoutEnv = new Variables(script, variableLayers({ variables: { where: 'settings' }, envFile: '' }, 'untitled:x', [], {}));
    assert.equal(withoutEnv.get('where'), 'settings');
  });
});
