/**
 * The package ships the licence package.json names: LICENSE holds the full MPL 2.0 text, and the
 * package script no longer needs vsce's --skip-license.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

describe('licence', () => {
  it('LICENSE is the Mozilla Public License 2.0 that package.json names, in full', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; scripts: Record<string, string> };
    assert.equal(pkg.license, 'MPL-2.0');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    assert.match(text, /^Mozilla Public License Version 2\.0\n/);
    for (const section of ['1. Definitions', '10. Versions of the License', 'Exhibit A - Source Code Form License Notice', 'Exhibit B - "Incompatible With Secondary Licenses" Notice']) {
      assert.ok(text.includes(section), section);
    }
    assert.doesNotMatch(pkg.scripts.package, /--skip-license/);
  });
});
