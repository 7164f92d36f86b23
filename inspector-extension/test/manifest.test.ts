/**
 * The manifests and extension pages, read as files: least privilege, MV3's default CSP (no
 * inline scripts), and the only differences between the Chrome and Firefox manifests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const json = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
const chrome = json('manifest.chrome.json');
const firefox = json('manifest.firefox.json');

describe('manifests', () => {
  test('the Firefox manifest differs from Chrome’s only in its background, gecko settings and minimum version', () => {
    const { background: chromeBackground, minimum_chrome_version, ...chromeRest } = chrome;
    const { background: firefoxBackground, browser_specific_settings, ...firefoxRest } = firefox;
    expect(firefoxRest).toEqual(chromeRest);
    expect(chromeBackground).toEqual({ service_worker: 'background.js' });
    expect(firefoxBackground).toEqual({ scripts: ['background.js'] });
    expect(minimum_chrome_version).toBeDefined();
    expect(browser_specific_settings).toMatchObject({ gecko: { id: expect.any(String) } });
  });

  test('the extension asks for storage only: no host permissions, no tabs, no web-accessible resources', () => {
    for (const manifest of [chrome, firefox]) {
      expect(manifest.manifest_version).toBe(3);
      expect(manifest.permissions).toEqual(['storage']);
      expect(manifest).not.toHaveProperty('host_permissions');
      expect(manifest).not.toHaveProperty('optional_permissions');
      expect(manifest).not.toHaveProperty('web_accessible_resources');
      expect(manifest).not.toHaveProperty('externally_connectable');
    }
  });

  test('extension pages keep MV3’s default content security policy', () => {
    expect(chrome).not.toHaveProperty('content_security_policy');
    expect(firefox).not.toHaveProperty('content_security_policy');
  });

  test('the content script runs in every frame of http(s) pages, about:blank, srcdoc and blob: frames included, from document_start', () => {
    expect(chrome.content_scripts).toEqual([
      {
        matches: ['http://*/*', 'https://*/*'],
        js: ['content.js'],
        run_at: 'document_start',
        all_frames: true,
        match_about_blank: true,
        match_origin_as_fallback: true,
      },
    ]);
  });
});

describe('extension pages', () => {
  const pages = ['src/devtools/devtools.html', 'src/panel/panel.html'];

  test.each(pages)('%s loads its script from a file, with no inline script or handler', (page) => {
    const html = readFileSync(join(root, page), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="[\w-]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/javascript:/i);
  });
});

describe('sources', () => {
  /** Every TypeScript file of the extension. */
  function sources(dir = join(root, 'src')): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );
  }

  test('the page protocol is imported from src/protocol.ts, never redefined', () => {
    for (const file of sources()) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(
        /^\s*(export\s+)?(interface|type)\s+(SnapshotMessage|ChannelSnapshot|WaiterSnapshot|PageToInspectorMessage)\b/m,
      );
      expect(text).not.toMatch(/function (isPageToInspectorMessage|isInspectorToPageMessage)\b/);
      expect(text).not.toMatch(/'chanasync(-inspector)?'/); // the page's sources come from PAGE_SOURCE/INSPECTOR_SOURCE
    }
  });

  test('nothing renders with innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    for (const file of sources()) {
      expect(readFileSync(file, 'utf8')).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
