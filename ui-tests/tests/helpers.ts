/**
 * What the UI test files share: the side bar's id, opening it as a person
 * would, collecting browser errors that come from our plugin, reading the
 * active notebook's cells, and saving the screenshots the README shows.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { ConsoleMessage, Locator, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

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

/** What a test reads of one cell. */
export interface ICellInfo {
  type: string;
  source: string;
  metadata: Record<string, any>;
  outputs: number;
  executionCount: number | null;
}

/** The active notebook's cells and active index, read from its model. */
export async function notebookState(
  page: Page
): Promise<{ active: number; cells: ICellInfo[] }> {
  return page.evaluate(() => {
    const app = (window as any).jupyterapp;
    const notebook = app.shell.currentWidget.content;
    return {
      active: notebook.activeCellIndex as number,
      cells: notebook.model.sharedModel.cells.map((cell: any) => ({
        type: cell.cell_type,
        source: cell.getSource(),
        metadata: cell.getMetadata(),
        outputs: cell.cell_type === 'code' ? cell.outputs.length : 0,
        executionCount:
          cell.cell_type === 'code' ? cell.execution_count ?? null : null
      }))
    };
  });
}

/**
 * Save a screenshot of `target` (an element, or the whole page) to the
 * test's output, and to docs/images when asked.
 *
 * README images are refreshed on request only, so that a test run leaves
 * the checkout as it was: `LLMDS_UPDATE_SCREENSHOTS=1 jlpm playwright test`.
 */
export async function saveScreenshot(
  target: Locator | Page,
  name: string,
  testInfo: { outputPath: (...parts: string[]) => string }
): Promise<void> {
  await target.screenshot({ path: testInfo.outputPath(name) });
  if (process.env.LLMDS_UPDATE_SCREENSHOTS) {
    const docsImages = path.resolve(__dirname, '../../docs/images');
    fs.mkdirSync(docsImages, { recursive: true });
    await target.screenshot({ path: path.join(docsImages, name) });
  }
}
