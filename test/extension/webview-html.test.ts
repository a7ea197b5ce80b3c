import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildWebviewHtml, contentSecurityPolicy, createNonce, escapeHtml } from '../../extension/webview-html';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';
const SCRIPT = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js';

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has a CSP meta tag');
  return m[1];
}

describe('webview HTML and CSP', () => {
  it('makes a fresh 16-byte nonce each time', () => {
    const a = createNonce();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.notEqual(a, createNonce());
  });

  it("starts the policy from default-src 'none' and opens only what the page uses", () => {
    const csp = contentSecurityPolicy(CSP_SOURCE, 'abc');
    assert.match(csp, /^default-src 'none'; /);
    assert.equal(csp, `default-src 'none'; style-src ${CSP_SOURCE} 'nonce-abc'; script-src 'nonce-abc'; font-src ${CSP_SOURCE}; img-src ${CSP_SOURCE}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|connect-src|\*/);
  });

  it('puts the same nonce in the CSP, the script tag and the style tag', () => {
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT, nonce: 'N0nce+/=' });
    assert.ok(cspOf(html).includes("script-src 'nonce-N0nce+/='"));
    assert.match(html, /<script nonce="N0nce\+\/=" src="[^"]+webview\.js"><\/script>/);
    assert.match(html, /<style nonce="N0nce\+\/=">/);
  });

  it('generates a nonce when none is given and uses it consistently', () => {
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    const nonce = /script-src 'nonce-([^']+)'/.exec(cspOf(html))?.[1];
    assert.ok(nonce !== undefined && nonce.length >= 22);
    assert.ok(html.includes(`<script nonce="${nonce}"`));
  });

  it('loads no remote content: every URL is the webview resource origin', () => {
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT, styleUris: [`${CSP_SOURCE}/ext/dist/codicon.css`] });
    const urls = html.match(/https?:\/\/[^\s"')]+/g) ?? [];
    for (const url of urls) assert.ok(url.startsWith(CSP_SOURCE), url);
    assert.doesNotMatch(html.replaceAll(CSP_SOURCE, ''), /https?:/);
  });

  it('has exactly one script tag and no inline handlers', () => {
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT });
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
  });

  it('escapes attribute values', () => {
    assert.equal(escapeHtml('a"<b>&'), 'a&quot;&lt;b&gt;&amp;');
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: 'x" onload="alert(1)', nonce: 'n' });
    assert.doesNotMatch(html, /" onload="/);
  });

  it('takes every colour from the theme: --vscode-* variables (or names made of them), never a literal', () => {
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT, nonce: 'n' });
    const css = /<style nonce="n">([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    assert.ok(css.length > 1000);
    const declarations = [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([a-z-]+)\s*:\s*([^;{}]+)/g)];
    const colourProperty = /^(color|background|background-color|fill|stroke|border(-[a-z]+)*|outline(-color)?|--phase-[a-z]+)$/;
    let checked = 0;
    for (const [, property, value] of declarations) {
      if (!colourProperty.test(property)) continue;
      checked++;
      // No literal colours: hex, rgb()/hsl(), or named colours other than the neutral keywords.
      assert.doesNotMatch(value, /#[0-9a-f]{3,8}\b|\b(rgb|rgba|hsl|hsla)\(/i, `${property}: ${value}`);
      const words = value.replace(/var\(--(vscode|phase)-[A-Za-z0-9.-]+/g, '').match(/[a-z]+/gi) ?? [];
      for (const word of words) {
        assert.ok(/^(transparent|currentColor|inherit|none|solid|dashed|dotted|double|px|var)$/.test(word) || /^\d/.test(word), `${property}: ${value} (${word})`);
      }
    }
    assert.ok(checked > 50, `${checked} colour declarations checked`);
    // The phase colours are themselves theme variables.
    for (const [, name, value] of css.matchAll(/(--phase-[a-z]+)\s*:\s*([^;]+);/g)) assert.match(value, /^var\(--vscode-/, name);
  });

  it('hides [hidden] elements whatever display their class sets (a filtered-out row must leave the screen)', () => {
    const html = buildWebviewHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT, nonce: 'n' });
    assert.match(html, /\[hidden\] \{ display: none !important; \}/);
  });
});
