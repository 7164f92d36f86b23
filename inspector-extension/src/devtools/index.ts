/**
 * The DevTools page: a hidden page DevTools loads once per inspected window. Its only job is to
 * add the Channels panel; the panel page (`panel.html`) does the rest. Keeping this page empty
 * matters: it runs for as long as DevTools is open, in every DevTools window.
 */
import browser from 'webextension-polyfill';

void browser.devtools.panels.create('Channels', 'icons/icon-32.png', 'panel.html');
