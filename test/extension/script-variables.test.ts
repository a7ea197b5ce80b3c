import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseScript } from '../../zmq-script/parser';
import { Variables } from '../../zmq-script/variables';
import { documentVariableLayers, filePathOf, workspaceFolderOf } from '../../extension/language-server/variable-layers';
import { editorVariableLayers, readScriptSettings, SCRIPT_SETTING_DEFAULTS, SETTINGS_LAYER_SOURCE, type ScriptSettings } from '../../extension/script-variables';

const settings = (variables: Record<string, string>, envFile = ''): ScriptSettings => ({ ...SCRIPT_SETTING_DEFAULTS, variables, envFile });
const envSource = (layers: { source: string; values: Record<string, string> }[]) => layers.find((l) => l.source.startsWith('.env'));

describe('script variables in the editor and the language server', () => {
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

  it('takes string variables from the settings, numbers and booleans as text, drops the rest, and clamps the timeout', () => {
    const values: Record<string, unknown> = { variables: { a: 'x', n: 5, b: true, o: { x: 1 }, u: null }, envFile: ' custom.env ', defaultTimeout: -4 };
    assert.deepEqual(readScriptSettings((k) => values[k]), { variables: { a: 'x', n: '5', b: 'true' }, envFile: 'custom.env', defaultTimeout: 1 });
    assert.deepEqual(readScriptSettings(() => undefined), { variables: {}, envFile: '', defaultTimeout: 5000 });
    assert.deepEqual(readScriptSettings((k) => (k === 'variables' ? ['a'] : undefined)), { variables: {}, envFile: '', defaultTimeout: 5000 });
  });

  it('reads the .env next to the document first, else the workspace folder’s', () => {
    assert.equal(envSource(editorVariableLayers(settings({}), join(root, 'scripts', 'a.zmq'), root, {}))?.values.where, 'scripts');
    assert.equal(envSource(editorVariableLayers(settings({}), join(root, 'other', 'a.zmq'), root, {}))?.values.where, 'root');
    assert.equal(envSource(editorVariableLayers(settings({}), join(root, 'other', 'a.zmq'), root, {}))?.source, `.env (${join(root, '.env')})`);
  });

  it('reads the .env the envFile setting names, relative to the workspace folder', () => {
    assert.equal(envSource(editorVariableLayers(settings({}, 'custom.env'), join(root, 'scripts', 'a.zmq'), root, {}))?.values.where, 'custom');
    assert.equal(envSource(editorVariableLayers(settings({}, 'missing.env'), join(root, 'scripts', 'a.zmq'), root, {})), undefined);
  });

  it('ignores a .env that cannot be read', () => {
    assert.equal(envSource(editorVariableLayers(settings({}), join(root, 'other', 'broken', 'a.zmq'), undefined, {})), undefined);
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
    const layers = documentVariableLayers(settings({ where: 'settings', onlySettings: 's' }), uri, [root], { where: 'environment' });
    assert.deepEqual(
      layers.map((l) => l.source),
      [SETTINGS_LAYER_SOURCE, `.env (${join(root, 'scripts', '.env')})`, 'environment'],
    );
    const variables = new Variables(script, layers);
    assert.equal(variables.get('where'), 'environment');
    assert.equal(variables.get('fromFile'), 'yes');
    assert.equal(variables.describe('onlySettings')?.source, SETTINGS_LAYER_SOURCE);
    const withoutEnv = new Variables(script, documentVariableLayers(settings({ where: 'settings' }), 'untitled:x', [], {}));
    assert.equal(withoutEnv.get('where'), 'settings');
  });
});
