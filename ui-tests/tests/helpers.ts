/**
 * What the UI test files share: the side bar's id, opening it as a person
 * would, and collecting browser errors that come from our plugin.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { ConsoleMessage, Locator, Page } from '@playwright/test';

/** The id of the Data co-pilot side bar panel. */
export const SIDEBAR_ID = 'jp-llmds-sidebar';

/** Collect console errors and uncaught page errors. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') {
      errors.push(`${message.text()} @ ${message.location().url}`);
    }
  });
  page.on('pageerror', error => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** Errors that come from our plugin (not from the browser's network log). */
export function ourErrors(errors: string[]): string[] {
  return errors.filter(
    text =>
      /llmds/i.test(text) &&
      !text.startsWith('Failed to load resource') &&
      !text.includes('the server responded with a status of')
  );
}

/** Open the Data co-pilot by clicking its side bar tab. */
export async function openSidebarByTab(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  const tab = page.locator(`.jp-SideBar [data-id="${SIDEBAR_ID}"]`);
  await expect(tab).toBeVisible();
  await tab.click();
  const panel = page.locator(`#${SIDEBAR_ID}`);
  await expect(panel).toBeVisible();
  return panel;
}
