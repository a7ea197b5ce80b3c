import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMMAND_CATEGORY, COMMANDS, commandId } from '../../extension/commands-table';
import { SETTING_DEFAULTS, SETTINGS_SECTION } from '../../extension/settings';

const root = resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  main: string;
  engines: Record<string, string>;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    configuration: { properties: Record<string, { default: unknown }> };
  };
};

describe('command table vs package.json', () => {
  const manifest = new Map(pkg.contributes.commands.map((c) => [c.command, c]));
  const table = new Map(COMMANDS.map((c) => [commandId(c.verb), c]));

  it('lists every table command in contributes.commands', () => {
    for (const id of table.keys()) assert.ok(manifest.has(id), `${id} missing from package.json`);
  });

  it('lists no command that is not in the table', () => {
    for (const id of manifest.keys()) assert.ok(table.has(id), `${id} is not in extension/commands-table.ts`);
  });

  it('has the same title and the category ZMQ for every command, titles without the prefix', () => {
    for (const [id, spec] of table) {
      const entry = manifest.get(id)!;
      assert.equal(entry.title, spec.title, id);
      assert.equal(entry.category, COMMAND_CATEGORY);
      assert.ok(!/^ZMQ\b/.test(entry.title), `${id}: title repeats the category`);
      assert.match(id, /^zmqPeer\.[a-z][A-Za-z]+$/);
    }
  });

  it('has no duplicate ids', () => {
    assert.equal(table.size, COMMANDS.length);
    assert.equal(manifest.size, pkg.contributes.commands.length);
  });

  it('refers only to known commands in menus', () => {
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items) assert.ok(table.has(item.command), `${menu}: ${item.command}`);
    }
  });

  it('offers send, disconnect and open debugger on peers in the tree', () => {
    const context = pkg.contributes.menus['view/item/context'].filter((m) => m.when?.includes('viewItem') && m.when.includes('zmqPeer'));
    for (const verb of ['sendFrame', 'disconnectPeer', 'openDebugger'] as const) {
      assert.ok(context.some((m) => m.command === commandId(verb)), verb);
    }
  });
});

describe('package.json manifest', () => {
  it('declares the entry point, engine and activation events', () => {
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.ok(pkg.activationEvents.includes('onWebviewPanel:zmqPeer.debugger'));
    assert.ok(pkg.activationEvents.some((e) => e.startsWith('onView:')));
  });

  it('declares every setting the extension reads, with the same default', () => {
    const properties = pkg.contributes.configuration.properties;
    const declared = Object.keys(properties).sort();
    const read = Object.keys(SETTING_DEFAULTS).map((k) => `${SETTINGS_SECTION}.${k}`).sort();
    assert.deepEqual(declared, read);
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) assert.deepEqual(properties[`${SETTINGS_SECTION}.${key}`].default, value, key);
  });

  it('declares the tree view the extension registers', () => {
    const views = Object.values(pkg.contributes.views).flat().map((v) => v.id);
    assert.ok(views.includes('zmqPeer.sockets'));
  });
});
