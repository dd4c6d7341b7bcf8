/**
 * UI tests of jupyterlab-llmds: a real JupyterLab, a real ipykernel, the
 * real server extension. Each test acts as a person would and asserts what
 * that person sees (plus the cell metadata, read from the notebook model).
 */
import {
  expect,
  IJupyterLabPageFixture,
  JupyterLabPage,
  test
} from '@jupyterlab/galata';
import {
  notebookState,
  ourErrors,
  openSidebarByTab,
  saveScreenshot,
  SIDEBAR_ID,
  watchConsole
} from './helpers';

const FRAMES_ROUTE = /\/llmds\/frames\?/;

/** A small frame with the problems a person cleans by hand. */
const MESSY_FRAME = [
  'import pandas as pd',
  'df = pd.DataFrame({' +
    '"price": ["$1,234.50", "$12.00", "N/A", "$7.25", "$1,234.50", "$99.99"], ' +
    '"city": [" NY", "ny", "NY", "Boston", " NY", "boston "], ' +
    '"qty": ["3", "5", "N/A", "2", "3", "10"], ' +
    '"note": ["ok", "ok", "late", "ok", "ok", "late"]})',
  'df.shape'
].join('\n');

/** Open the Data co-pilot through the command palette. */
async function openSidebarByPalette(page: IJupyterLabPageFixture) {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('.lm-CommandPalette');
  await expect(palette).toBeVisible();
  await palette.locator('.lm-CommandPalette-input').fill('Open Data Co-pilot');
  await palette
    .locator('.lm-CommandPalette-item', { hasText: 'Open Data Co-pilot' })
    .first()
    .click();
  const panel = page.locator(`#${SIDEBAR_ID}`);
  await expect(panel).toBeVisible();
  return panel;
}

test.use({ autoGoto: true });

test.describe('Data co-pilot', () => {
  test('lists the live DataFrame and inserts cleaning cells below the active cell', async ({
    page
  }, testInfo) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', MESSY_FRAME);
    await page.notebook.runCell(0);
    // The cell really ran in the kernel.
    await expect(
      (await page.notebook.getCellOutputLocator(0))!
    ).toContainText('(6, 4)');

    const panel = await openSidebarByTab(page);
    await expect(panel.locator('.jp-Llmds-title')).toHaveText(/Data co-pilot/i);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'df' });
    await expect(row).toBeVisible();
    await expect(row.locator('.jp-Llmds-frameName')).toHaveText('df');
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('6 × 4');

    // Nothing selected yet: Clean is disabled.
    const clean = panel.getByRole('button', { name: 'Clean' });
    await expect(clean).toBeDisabled();
    await row.click();
    await expect(row).toHaveAttribute('aria-selected', 'true');
    await expect(clean).toBeEnabled();

    await panel.screenshot({
      path: testInfo.outputPath('sidebar-selected.png')
    });

    const before = await notebookState(page);
    await clean.click();
    const done = panel.locator('.jp-Llmds-task[data-phase="done"]');
    await expect(done).toContainText('Inserted');
    await expect(done).toContainText('df');

    // The sidebar after a clean, as the README shows it.
    const content = panel.locator('.jp-Llmds-content');
    await saveScreenshot(content, 'sidebar.png', testInfo);
    await saveScreenshot(page, 'clean-in-notebook.png', testInfo);

    const after = await notebookState(page);
    const inserted = after.cells.length - before.cells.length;
    // The plan, the cleaning code, then the checks of what it promised.
    expect(inserted).toBe(4);
    const first = before.active + 1;
    const added = after.cells.slice(first, first + inserted);
    // In order: it starts with an explanation, and there is code.
    expect(added[0].type).toBe('markdown');
    expect(added.some(cell => cell.type === 'code')).toBe(true);
    // Every inserted cell carries its origin and none was run.
    for (const cell of added) {
      expect(cell.metadata.llmds).toEqual({
        origin: 'jupyterlab-llmds',
        task: 'clean',
        frame: 'df',
        engine: expect.any(String),
        version: expect.any(String)
      });
      if (cell.type === 'code') {
        expect(cell.outputs).toBe(0);
        expect(cell.executionCount).toBeNull();
      }
    }
    // The cells talk about this frame's real columns and tokens.
    const text = added.map(cell => cell.source).join('\n');
    expect(text).toContain('price');
    expect(text).toContain('city');
    expect(text).toContain('N/A');
    expect(text).toMatch(/df_clean|df\.copy\(\)/);
    // The cells around the insertion are untouched.
    expect(after.cells[0].source).toBe(MESSY_FRAME);
    // The first inserted cell is active and on screen.
    expect(after.active).toBe(first);
    const firstCell = (await page.notebook.getCellLocator(first))!;
    await expect(firstCell).toHaveClass(/jp-MarkdownCell/);
    await expect(firstCell).toHaveClass(/jp-mod-active/);
    await expect(firstCell).toBeInViewport();
    const codeIndex = first + added.findIndex(cell => cell.type === 'code');
    await expect((await page.notebook.getCellLocator(codeIndex))!).toHaveClass(
      /jp-CodeCell/
    );

    // The code the co-pilot wrote runs in the kernel.
    await page.notebook.runCell(codeIndex, { inplace: true });
    const ran = await notebookState(page);
    expect(ran.cells[codeIndex].executionCount).not.toBeNull();

    expect(ourErrors(errors)).toEqual([]);
  });

  test('Validate inserts a check that fails on the messy frame and says why', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', MESSY_FRAME);
    await page.notebook.runCell(0);
    await expect(
      (await page.notebook.getCellOutputLocator(0))!
    ).toContainText('(6, 4)');

    const panel = await openSidebarByTab(page);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'df' });
    const validate = panel.getByRole('button', { name: 'Validate' });
    await expect(validate).toBeDisabled();
    await row.click();
    await expect(validate).toBeEnabled();

    const before = await notebookState(page);
    await validate.click();
    await expect(
      panel.locator('.jp-Llmds-task[data-phase="done"]')
    ).toContainText('Inserted');

    const after = await notebookState(page);
    const first = before.active + 1;
    const added = after.cells.slice(
      first,
      first + after.cells.length - before.cells.length
    );
    expect(added.map(cell => cell.type)).toEqual(['markdown', 'code']);
    for (const cell of added) {
      expect(cell.metadata.llmds).toMatchObject({
        origin: 'jupyterlab-llmds',
        task: 'validate',
        frame: 'df'
      });
    }
    // The checks name this frame's columns, and nothing ran yet.
    expect(added[1].source).toContain("'price'");
    expect(added[1].executionCount).toBeNull();

    // Run as the user would: on the dirty frame the checks fail, loudly,
    // naming what failed.
    const codeIndex = first + 1;
    await page.notebook.runCell(codeIndex, { inplace: true });
    const output = (await page.notebook.getCellOutputLocator(codeIndex))!;
    await expect(output).toContainText('FAIL');
    await expect(output).toContainText('AssertionError');
    await expect(output).toContainText('price');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('with the pandera setting, Validate writes a pandera schema that fails on the messy frame', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set('jupyterlab-llmds:plugin', 'checksLibrary', 'pandera');
    });
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', MESSY_FRAME);
    await page.notebook.runCell(0);
    const panel = await openSidebarByTab(page);
    await panel.locator('.jp-Llmds-frame', { hasText: 'df' }).click();

    const before = await notebookState(page);
    await panel.getByRole('button', { name: 'Validate' }).click();
    await expect(
      panel.locator('.jp-Llmds-task[data-phase="done"]')
    ).toContainText('Inserted');
    const after = await notebookState(page);
    const first = before.active + 1;
    const code = after.cells[first + 1];
    expect(code.source).toContain('import pandera');
    expect(code.source).toContain('DataFrameSchema');
    expect(after.cells[first].source).toContain('pandera');

    // pandera itself says what failed, on the dirty frame
    await page.notebook.runCell(first + 1, { inplace: true });
    const output = (await page.notebook.getCellOutputLocator(first + 1))!;
    await expect(output).toContainText('SchemaErrors');
    await expect(output).toContainText('price');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('says plainly when there is nothing to list', async ({ page }) => {
    const errors = watchConsole(page);
    // No notebook open yet.
    const panel = await openSidebarByPalette(page);
    const status = panel.locator('.jp-Llmds-status');
    await expect(status).toContainText('Open a notebook');

    // A fresh kernel has no pandas.
    await page.notebook.createNew();
    await expect(status).toHaveText(
      'No pandas DataFrames yet: import pandas and create one',
      { timeout: 60_000 }
    );
    await expect(panel.locator('.jp-Llmds-frame')).toHaveCount(0);

    // pandas imported, still no frame.
    await page.notebook.setCell(0, 'code', 'import pandas as pd');
    await page.notebook.runCell(0);
    await expect(status).toContainText('No DataFrames in this kernel yet');

    // A frame appears after the next executed cell, with thousands separators.
    await page.notebook.setCell(
      1,
      'code',
      'big = pd.DataFrame({"a": range(12345), "b": 0})'
    );
    await page.notebook.runCell(1);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'big' });
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('12,345 × 2');
    await expect(status).toHaveCount(0);

    // Keyboard: focus the row, select it with Space.
    await row.focus();
    await page.keyboard.press('Space');
    await expect(row).toHaveAttribute('aria-selected', 'true');
    await expect(panel.getByRole('button', { name: 'Clean' })).toBeEnabled();

    // Another notebook has its own kernel; switching back brings `big` back.
    const first: string = await page.evaluate(() =>
      (window as any).jupyterapp.shell.currentWidget.context.path
        .split('/')
        .pop()
    );
    const second = (await page.notebook.createNew('Second.ipynb'))!;
    await expect(panel.locator('.jp-Llmds-notebook')).toContainText(second);
    await expect(status).toHaveText(
      'No pandas DataFrames yet: import pandas and create one',
      { timeout: 60_000 }
    );
    await page.notebook.activate(first);
    await expect(panel.locator('.jp-Llmds-notebook')).toContainText(first);
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('12,345 × 2');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('shows the server’s words when the server says no', async ({ page }) => {
    await page.notebook.createNew();
    const panel = await openSidebarByTab(page);
    const status = panel.locator('.jp-Llmds-status');
    await expect(status).toHaveText(/No pandas DataFrames yet/, {
      timeout: 60_000
    });

    // One route handler whose answer the test switches, standing in for a
    // busy kernel and for a server without the extension.
    let answer: 'busy' | 'missing' | 'real' = 'busy';
    await page.route(FRAMES_ROUTE, route => {
      if (answer === 'busy') {
        return route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: JSON.stringify({
            error: 'kernel_busy',
            message:
              'The kernel is busy running a cell; the list refreshes when it finishes.'
          })
        });
      }
      if (answer === 'missing') {
        return route.fulfill({
          status: 404,
          contentType: 'text/html',
          body: '<html><body>404 : Not Found</body></html>'
        });
      }
      return route.fallback();
    });
    const refresh = panel.getByRole('button', { name: 'Refresh DataFrames' });

    // A busy kernel: the server's own sentence, and a promise to retry.
    await refresh.click();
    await expect(status).toHaveText(
      'The kernel is busy running a cell; the list refreshes when it finishes.'
    );

    // The route itself missing: the server extension is not enabled.
    answer = 'missing';
    await refresh.click();
    await expect(status).toContainText('server extension is not enabled');
    await expect(status).toContainText('jupyter server extension list');

    // Back to normal once the server answers again (the palette command).
    answer = 'real';
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('.lm-CommandPalette');
    await palette.locator('.lm-CommandPalette-input').fill('Refresh DataFrames');
    await palette
      .locator('.lm-CommandPalette-item', { hasText: 'Refresh DataFrames' })
      .first()
      .click();
    await expect(status).toHaveText(/No pandas DataFrames yet/);
  });

  test('the %%llm magic inserts its cells below once, and a reload does not repeat it', async ({
    page,
    tmpPath
  }) => {
    const errors = watchConsole(page);
    const name = (await page.notebook.createNew())!;
    await page.notebook.setCell(
      0,
      'code',
      `${MESSY_FRAME}\n%load_ext jupyterlab_llmds`
    );
    await page.notebook.runCell(0);
    // The documented form: the cell magic alone in its cell, no body.
    await page.notebook.setCell(1, 'code', '%%llm clean df');
    await page.notebook.runCell(1);

    // The cells arrive once the magic's cell has finished.
    await expect
      .poll(async () => {
        const cells = (await notebookState(page)).cells;
        return cells[1].metadata.llmds?.inserted?.length ?? 0;
      })
      .toBe(1);

    // The magic's output is a one-line summary, not the raw cells.
    const output = (await page.notebook.getCellOutputLocator(1))!;
    const summary = output.locator('.jp-Llmds-summary');
    await expect(summary).toHaveText(
      /jupyterlab-llmds: \d+ cells for cleaning `df` inserted below \(\w+ engine\) — review, then run them/
    );

    const state = await notebookState(page);
    const magicMeta = state.cells[1].metadata.llmds;
    expect(magicMeta.inserted).toHaveLength(1);
    const count = Number(
      /(\d+) cells/.exec((await summary.textContent()) ?? '')![1]
    );
    const added = state.cells.slice(2, 2 + count);
    expect(added).toHaveLength(count);
    for (const cell of added) {
      expect(cell.metadata.llmds).toMatchObject({
        origin: 'jupyterlab-llmds',
        task: 'clean',
        frame: 'df'
      });
      expect(cell.outputs).toBe(0);
    }
    expect(added[0].type).toBe('markdown');
    expect(added.map(cell => cell.source).join('\n')).toContain('price');
    // Exactly one set of cells: nothing else carries the origin.
    const withOrigin = state.cells.filter(
      cell => cell.metadata.llmds?.origin === 'jupyterlab-llmds'
    );
    expect(withOrigin).toHaveLength(count);
    await expect(page.locator('.jp-Notebook .jp-MarkdownCell').first()).toBeVisible();

    // Save, reload the page, reopen: the same cells, not twice.
    await page.notebook.save();
    // The restored layout shows the notebook, not the launcher galata waits for.
    await (page as unknown as JupyterLabPage).reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    const file = `${tmpPath}/${name}`;
    if (!(await page.notebook.isOpen(name))) {
      await page.notebook.openByPath(file);
    }
    await expect(page.locator('.jp-Llmds-summary').first()).toBeVisible();
    await expect
      .poll(() =>
        page.evaluate(() => {
          const widget = (window as any).jupyterapp.shell.currentWidget;
          return widget?.context?.isReady ? widget.context.path : '';
        })
      )
      .toBe(file);
    const reloaded = await notebookState(page);
    expect(reloaded.cells.length).toBe(state.cells.length);
    expect(
      reloaded.cells.filter(
        cell => cell.metadata.llmds?.origin === 'jupyterlab-llmds'
      )
    ).toHaveLength(count);
    expect(reloaded.cells[1].metadata.llmds.inserted).toEqual(
      magicMeta.inserted
    );

    // Running another cell does not insert the magic's cells again.
    const last = reloaded.cells.length - 1;
    await page.notebook.setCell(last, 'code', '1 + 1');
    await page.notebook.runCell(last, { inplace: true });
    const again = await notebookState(page);
    expect(
      again.cells.filter(
        cell => cell.metadata.llmds?.origin === 'jupyterlab-llmds'
      )
    ).toHaveLength(count);

    expect(ourErrors(errors)).toEqual([]);
  });
});

test.describe('Data co-pilot and kernel restarts', () => {
  // Galata's kernel mock answers a restart with 201 where JupyterLab wants
  // 200: talk to the real kernels API here.
  test.use({ kernels: null });

  test('forgets the frames when the kernel restarts', async ({ page }) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', MESSY_FRAME);
    await page.notebook.runCell(0);
    const panel = await openSidebarByTab(page);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'df' });
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('6 × 4');
    await row.click();

    // The notebook toolbar's restart button, as a person would.
    await page.getByRole('button', { name: 'Restart the kernel', exact: true }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Confirm Kernel Restart' })
      .click();
    const status = panel.locator('.jp-Llmds-status');
    await expect(status).toHaveText(
      'No pandas DataFrames yet: import pandas and create one',
      { timeout: 60_000 }
    );
    await expect(panel.locator('.jp-Llmds-frame')).toHaveCount(0);
    await expect(panel.getByRole('button', { name: 'Clean' })).toHaveCount(0);

    // Running the cell again brings the frame back.
    await page.notebook.runCell(0, { inplace: true });
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('6 × 4');

    expect(ourErrors(errors)).toEqual([]);
  });
});
