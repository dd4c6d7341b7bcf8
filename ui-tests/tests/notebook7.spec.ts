/**
 * The Data co-pilot in Jupyter Notebook 7: the same extension, the same
 * server, the notebook page (/notebooks/...) instead of JupyterLab. Notebook
 * 7 has no `window.jupyterapp`, so everything here is read from the page as
 * a person sees it.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { ourErrors, saveScreenshot, watchConsole } from './helpers';

test.use({ autoGoto: false });

/** A notebook file with the python3 kernel (so no kernel dialog) and one empty cell. */
const NOTEBOOK = JSON.stringify({
  cells: [{ cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null }],
  metadata: {
    kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' }
  },
  nbformat: 4,
  nbformat_minor: 5
});

/** Type `source` into the active cell and run it with Shift+Enter. */
async function runInActiveCell(page: Page, source: string): Promise<void> {
  const editor = page.locator('.jp-Notebook .jp-Cell.jp-mod-active .jp-InputArea-editor');
  await editor.click();
  await page.keyboard.type(source);
  await page.keyboard.press('Shift+Enter');
}

test.describe('Data co-pilot in Jupyter Notebook 7', () => {
  test('the right side panel lists the live frame; Clean and %%llm insert cells below, unrun', async ({
    context,
    page: lab,
    tmpPath
  }, testInfo) => {
    const path = `${tmpPath}/notebook7.ipynb`;
    expect(await lab.contents.uploadContent(NOTEBOOK, 'text', path)).toBe(true);
    // A plain page: Galata's own goto waits for JupyterLab's shell.
    const page = await context.newPage();
    const errors = watchConsole(page);
    await page.goto(`notebooks/${path}`);
    const cells = page.locator('.jp-Notebook .jp-Cell');
    await expect(cells).toHaveCount(1, { timeout: 60_000 });

    // View ▸ Right Sidebar ▸ Show Data co-pilot, as Notebook 7 offers it.
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^View$/ }).click();
    await page.locator('.lm-Menu-item', { hasText: 'Right Sidebar' }).hover();
    await page.locator('.lm-Menu-item', { hasText: 'Show Data co-pilot' }).click();
    const panel = page.locator('#jp-llmds-sidebar');
    await expect(panel).toBeVisible();
    await expect(panel.locator('.jp-Llmds-notebook')).toContainText('notebook7.ipynb');

    await runInActiveCell(
      page,
      'import pandas as pd\n' +
        '%load_ext jupyterlab_llmds\n' +
        'df = pd.DataFrame({"price": ["$1,234.50", "N/A", "$7.25"], "city": [" NY", "ny", "NY"]})'
    );
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'df' });
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('3 × 2', { timeout: 60_000 });
    // Shift+Enter made a new, empty cell: that is the active one.
    await expect(cells).toHaveCount(2);

    await row.click();
    await expect(row).toHaveAttribute('aria-selected', 'true');
    await panel.getByRole('button', { name: 'Clean' }).click();
    await expect(panel.locator('.jp-Llmds-task[data-phase="done"]')).toContainText('Inserted');
    // Plan, cleaning code, validation plan and validation code, below the active (second) cell.
    await expect(cells).toHaveCount(6);
    await expect(cells.nth(2)).toContainText('Cleaning df');
    await expect(cells.nth(3)).toContainText('df_clean = df.copy()');
    await expect(cells.nth(3)).toContainText("'N/A'");
    // Inserted for review: nothing ran.
    await expect(cells.nth(3).locator('.jp-InputPrompt')).toHaveText('[ ]:');
    await saveScreenshot(page, 'notebook7.png', testInfo);

    // The magic in the same (second) cell, run with Ctrl+Enter (no new cell):
    // its four cells go right below it, above the ones Clean inserted.
    await cells.nth(1).locator('.jp-InputArea-editor').click();
    await page.keyboard.type('%%llm clean df');
    await page.keyboard.press('Control+Enter');
    await expect(cells).toHaveCount(10, { timeout: 60_000 });
    await expect(cells.nth(2)).toContainText('Cleaning df');
    await expect(cells.nth(3)).toContainText('df_clean = df.copy()');
    await expect(cells.nth(6)).toContainText('Cleaning df');

    expect(ourErrors(errors)).toEqual([]);
  });
});
