// Renders icon.svg to the PNG sizes the manifests list (Chrome does not take SVG icons), with
// the system's Chromium. Run after changing the SVG: node inspector-extension/icons/render.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const svg = readFileSync(join(here, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  for (const size of [16, 32, 48, 128]) {
    await page.setViewportSize({ width: size, height: size });
    const html = `<body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `)}</body>`;
    await page.setContent(html);
    await page.screenshot({ path: join(here, `icon-${size}.png`), omitBackground: true });
  }
} finally {
  await browser.close();
}
