/**
 * UI tests of the data card and of "What will be sent": a real JupyterLab,
 * a real ipykernel, the real `GET /llmds/card` route. Each test acts as a
 * person would and asserts what that person sees.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import {
  ourErrors,
  openSidebarByTab,
  saveScreenshot,
  watchConsole
} from './helpers';

/** A raw email of the frame: it must never be shown in redacted mode. */
const RAW_EMAIL = 'ann@example.com';

/** A frame with an email column and numbers stored as text. */
const PEOPLE_FRAME = [
  'import pandas as pd',
  'people = pd.DataFrame({',
  '    "customer_id": [101, 102, 103, 104, 105, 106],',
  `    "email": ["${RAW_EMAIL}", "bob@example.org", "cy@example.net",`,
  '              "dee@example.com", "ed@example.io", "flo@example.de"],',
  '    "amount": ["$1,234.50", "$12.00", "N/A", "$7.25", "$1,234.50", "$99.99"],',
  '    "city": ["Boston", "NY", "NY", "Boston", "NY", "Boston"],',
  '})',
  'people.shape'
].join('\n');

/**
 * Make the right side bar wider by dragging its splitter, as a person would
 * before reading a table (the screenshots then show the whole card).
 */
async function widenSidebar(page: IJupyterLabPageFixture, width: number) {
  const stack = page.locator('#jp-right-stack');
  const box = (await stack.boundingBox())!;
  const handles = page.locator('#jp-main-split-panel > .lm-SplitPanel-handle');
  const count = await handles.count();
  let handle: Locator | null = null;
  let best = Infinity;
  for (let index = 0; index < count; index++) {
    const candidate = await handles.nth(index).boundingBox();
    if (candidate && Math.abs(candidate.x - box.x) < best) {
      best = Math.abs(candidate.x - box.x);
      handle = handles.nth(index);
    }
  }
  const grip = (await handle!.boundingBox())!;
  const y = grip.y + grip.height / 2;
  await page.mouse.move(grip.x + grip.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(grip.x - (width - box.width), y, { steps: 5 });
  await page.mouse.up();
  await expect
    .poll(async () => Math.round((await stack.boundingBox())!.width))
    .toBeGreaterThanOrEqual(width - 10);
}

/** Run a command through the command palette, as a person would. */
async function runFromPalette(page: IJupyterLabPageFixture, label: string) {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('.lm-CommandPalette');
  await expect(palette).toBeVisible();
  await palette.locator('.lm-CommandPalette-input').fill(label);
  await palette
    .locator('.lm-CommandPalette-item', { hasText: label })
    .first()
    .click();
}

/** WCAG contrast ratio of an element's text against its own background. */
async function contrast(target: Locator): Promise<number> {
  return target.evaluate(element => {
    const rgb = (value: string) =>
      (value.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
    const luminance = (value: string) => {
      const [r, g, b] = rgb(value).map(channel => {
        const c = channel / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    // The first ancestor (or self) with an opaque background.
    let node: Element | null = element;
    let background = 'rgb(255, 255, 255)';
    while (node) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && colour !== 'transparent' && !/rgba\(.*, 0\)$/.test(colour)) {
        background = colour;
        break;
      }
      node = node.parentElement;
    }
    const a = luminance(getComputedStyle(element).color);
    const b = luminance(background);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

/** A frame wider and longer than the card shows at once. */
const WIDE_FRAME = [
  'import numpy as np',
  'import pandas as pd',
  'wide = pd.DataFrame({f"c{i}": np.arange(20000) % (i + 7) for i in range(60)})',
  'wide.shape'
].join('\n');

test.use({ autoGoto: true, viewport: { width: 1280, height: 1000 } });

test.describe('Data card and what will be sent', () => {
  test('shows the card of a messy frame and exactly what an LLM would receive', async ({
    page
  }, testInfo) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', PEOPLE_FRAME);
    await page.notebook.runCell(0);
    await expect(
      (await page.notebook.getCellOutputLocator(0))!
    ).toContainText('(6, 4)');

    const panel = await openSidebarByTab(page);
    await widenSidebar(page, 460);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'people' });
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('6 × 4');
    // The row says how many issues the frame has.
    await expect(row.locator('.jp-Llmds-frameIssues')).toHaveText(
      /^\d+ issues?$/
    );

    // Selecting the frame shows its card, not raw JSON.
    await row.click();
    const details = panel.locator('.jp-Llmds-details');
    const card = details.locator('.jp-Llmds-card');
    await expect(card).toBeVisible();
    await expect(card.locator('.jp-Llmds-cardShape')).toHaveText(
      '6 rows × 4 columns'
    );
    await expect(card.locator('.jp-Llmds-issueSummary')).toHaveText(
      /^\d+ issues?$/
    );
    await expect(card).not.toContainText('{"');

    // Every column, with its dtype and what its values really are.
    const columns = card.locator('tbody.jp-Llmds-column');
    await expect(columns).toHaveCount(4);
    const amount = card.locator('tbody.jp-Llmds-column[data-column="amount"]');
    await expect(amount.locator('.jp-Llmds-dtype')).toHaveText(/^(str|object)$/);
    await expect(amount.locator('.jp-Llmds-semantic')).toHaveText(
      'numbers as text'
    );
    const id = card.locator('tbody.jp-Llmds-column[data-column="customer_id"]');
    await expect(id.locator('.jp-Llmds-dtype')).toHaveText('int64');
    await expect(id.locator('.jp-Llmds-columnNulls')).toHaveText('0');
    await expect(id.locator('.jp-Llmds-columnDistinct')).toHaveText('6');
    // Flagged columns come first.
    await expect(columns.first()).toHaveClass(/jp-mod-flagged/);
    await expect(columns.last()).not.toHaveClass(/jp-mod-flagged/);

    // The messy column's chip opens on click and shows the offending values.
    const chip = amount.locator('.jp-Llmds-chip[data-kind="numeric_string"]');
    await expect(chip).toContainText('numbers as text');
    await expect(chip).toHaveAttribute('aria-expanded', 'false');
    await chip.click();
    await expect(chip).toHaveAttribute('aria-expanded', 'true');
    const numberDetails = amount.locator(
      '.jp-Llmds-issueDetails[data-kind="numeric_string"]'
    );
    await expect(numberDetails).toContainText('numbers stored as text');
    await expect(numberDetails).toContainText('"$1,234.50"');

    // The email column's chip opens with the keyboard; redacted by default.
    const email = card.locator('tbody.jp-Llmds-column[data-column="email"]');
    const piiChip = email.locator('.jp-Llmds-chip[data-kind="pii"]');
    await piiChip.focus();
    await page.keyboard.press('Enter');
    await expect(piiChip).toHaveAttribute('aria-expanded', 'true');
    const piiDetails = email.locator('.jp-Llmds-issueDetails[data-kind="pii"]');
    await expect(piiDetails).toContainText('<email_1>');
    await expect(details).not.toContainText(RAW_EMAIL);

    await saveScreenshot(panel, 'card.png', testInfo);

    // "What will be sent": the exact prompt, its size, and a promise.
    await details.getByRole('tab', { name: 'What will be sent' }).click();
    const preview = details.locator('.jp-Llmds-preview');
    await expect(preview.locator('.jp-Llmds-previewNote')).toHaveText(
      'Nothing has been sent. This is what an LLM would receive.'
    );
    const prompt = preview.locator('pre.jp-Llmds-prompt');
    await expect(prompt).toHaveAttribute('data-mode', 'redacted');
    for (const name of ['customer_id', 'email', 'amount', 'city']) {
      await expect(prompt).toContainText(name);
    }
    await expect(prompt).toContainText('<email_1>');
    await expect(prompt).toContainText('$1,234.50');
    await expect(prompt).not.toContainText(RAW_EMAIL);
    await expect(preview.locator('.jp-Llmds-tokens')).toHaveText(
      /^≈ \d[\d,]* tokens of 2,000$/
    );
    await expect(preview.locator('.jp-Llmds-masked')).toHaveText(
      '6 emails replaced by placeholders'
    );
    const select = preview.getByLabel('Privacy');
    await expect(select).toBeEnabled();
    await expect(select).toHaveValue('redacted');
    await expect(preview.locator('.jp-Llmds-locked')).toHaveCount(0);
    await saveScreenshot(
      panel,
      'what-will-be-sent.png',
      testInfo
    );

    // Schema only: the card is read again, and no value is shown any more.
    await select.selectOption({ label: 'Schema only' });
    await expect(prompt).toHaveAttribute('data-mode', 'schema');
    await expect(prompt).toContainText('amount');
    await expect(prompt).not.toContainText('$1,234.50');
    await expect(prompt).not.toContainText('<email_1>');
    await expect(prompt).not.toContainText('Boston');
    await expect(preview.locator('.jp-Llmds-masked')).toHaveCount(0);

    // The palette's "show card" command brings the card view back.
    await runFromPalette(page, 'Show Data Card of Selected DataFrame');
    await expect(
      details.getByRole('tab', { name: 'Card', exact: true })
    ).toHaveAttribute('aria-selected', 'true');
    await expect(card).toBeVisible();
    // ...and "preview" the prompt view.
    await runFromPalette(page, 'Preview What Will Be Sent');
    await expect(prompt).toBeVisible();
    await expect(prompt).toHaveAttribute('data-mode', 'schema');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('the card follows the dark theme', async ({ page }, testInfo) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', PEOPLE_FRAME);
    await page.notebook.runCell(0);
    const panel = await openSidebarByTab(page);
    await widenSidebar(page, 460);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'people' });
    await row.click();
    const card = panel.locator('.jp-Llmds-card');
    await expect(card).toBeVisible();
    const amount = card.locator('tbody.jp-Llmds-column[data-column="amount"]');
    await amount.locator('.jp-Llmds-chip[data-kind="numeric_string"]').click();
    await expect(
      amount.locator('.jp-Llmds-issueDetails[data-kind="numeric_string"]')
    ).toBeVisible();

    const colours = () =>
      card.evaluate(element => {
        const style = getComputedStyle(element);
        const table = element.querySelector('.jp-Llmds-columns');
        return {
          text: style.color,
          background: getComputedStyle(
            element.closest('.jp-Llmds-panel') ?? element
          ).backgroundColor,
          table: table ? getComputedStyle(table).color : ''
        };
      });
    const light = await colours();

    await page.theme.setDarkTheme();
    await expect
      .poll(async () => (await colours()).text)
      .not.toBe(light.text);
    const dark = await colours();
    expect(dark.background).not.toBe(light.background);
    expect(dark.table).not.toBe(light.table);
    // Readable in the dark theme too: chips, details, the issue summary.
    const chip = amount.locator('.jp-Llmds-chip[data-kind="numeric_string"]');
    for (const target of [
      chip,
      amount.locator('.jp-Llmds-issueDetails[data-kind="numeric_string"]'),
      card.locator('.jp-Llmds-columnName').first(),
      card.locator('.jp-Llmds-issueSummary')
    ]) {
      expect(await contrast(target)).toBeGreaterThanOrEqual(4.5);
    }
    await saveScreenshot(panel, 'card-dark.png', testInfo);
    await page.theme.setLightTheme();

    expect(ourErrors(errors)).toEqual([]);
  });
  test('a long frame: sampled, estimated, capped; a locked mode and a failing card', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', WIDE_FRAME);
    await page.notebook.runCell(0);
    const panel = await openSidebarByTab(page);
    const row = panel.locator('.jp-Llmds-frame', { hasText: 'wide' });
    await expect(row.locator('.jp-Llmds-frameShape')).toHaveText('20,000 × 60');
    // Selected from the keyboard this time.
    await row.focus();
    await page.keyboard.press('Space');
    const details = panel.locator('.jp-Llmds-details');
    const card = details.locator('.jp-Llmds-card');
    await expect(card.locator('.jp-Llmds-sampled')).toHaveText(
      'sampled 10,000 of 20,000 rows'
    );
    await expect(card.locator('.jp-Llmds-issueSummary')).toHaveText(
      'no issues found'
    );
    const first = card.locator('tbody.jp-Llmds-column[data-column="c0"]');
    const distinct = first.locator('.jp-Llmds-columnDistinct');
    await expect(distinct).toHaveText('~7');
    await expect(distinct).toHaveAttribute('title', 'estimated from a sample');
    // Long frames are capped until the person asks for every column.
    const columns = card.locator('tbody.jp-Llmds-column');
    await expect(columns).toHaveCount(40);
    await card.getByRole('button', { name: 'Show all 60 columns' }).click();
    await expect(columns).toHaveCount(60);
    await expect(columns.last()).toHaveAttribute('data-column', 'c59');

    // The administrator locked the mode: the real answer, marked locked.
    let answer: 'locked' | 'busy' | 'real' = 'locked';
    await page.route(/\/llmds\/card\?/, async route => {
      if (answer === 'locked') {
        const response = await route.fetch();
        const body = await response.json();
        body.card.privacy.locked = true;
        return route.fulfill({ response, json: body });
      }
      if (answer === 'busy') {
        return route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: JSON.stringify({
            error: 'kernel_busy',
            message:
              'The kernel is busy running a cell; ask again when it finishes.'
          })
        });
      }
      return route.fallback();
    });
    const refresh = panel.getByRole('button', { name: 'Refresh DataFrames' });
    await refresh.click();
    await details.getByRole('tab', { name: 'What will be sent' }).click();
    const preview = details.locator('.jp-Llmds-preview');
    await expect(preview.locator('.jp-Llmds-locked')).toHaveText(
      'set by your administrator'
    );
    await expect(preview.getByLabel('Privacy')).toBeDisabled();
    await expect(preview.locator('pre.jp-Llmds-prompt')).toContainText(
      'DataFrame `wide`'
    );

    // The card cannot be read: the server's own words, as an alert.
    answer = 'busy';
    await refresh.click();
    const alert = details.locator('.jp-Llmds-status.jp-mod-error');
    await expect(alert).toHaveText(
      'The kernel is busy running a cell; ask again when it finishes.'
    );
    await expect(alert).toHaveAttribute('data-error', 'kernel_busy');

    // And back once it answers again.
    answer = 'real';
    await refresh.click();
    await expect(alert).toHaveCount(0);
    await expect(preview.getByLabel('Privacy')).toBeEnabled();
    await expect(preview.locator('.jp-Llmds-locked')).toHaveCount(0);

    expect(ourErrors(errors)).toEqual([]);
  });
  test('the settings choose the default privacy mode and the budget', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await page.notebook.createNew();
    await page.notebook.setCell(0, 'code', PEOPLE_FRAME);
    await page.notebook.runCell(0);
    const panel = await openSidebarByTab(page);

    // The settings exist, with their defaults and bounds.
    const loaded = await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      const settings = await registry.load('jupyterlab-llmds:plugin');
      return {
        composite: settings.composite,
        properties: settings.schema.properties
      };
    });
    expect(loaded.composite).toEqual({
      privacyMode: 'redacted',
      cardBudget: 2000,
      checksLibrary: 'pandas'
    });
    expect(
      loaded.properties.privacyMode.oneOf.map((item: any) => item.const)
    ).toEqual(['schema', 'redacted', 'full']);
    expect(loaded.properties.cardBudget).toMatchObject({
      type: 'integer',
      minimum: 200,
      maximum: 32000
    });

    await panel.locator('.jp-Llmds-frame', { hasText: 'people' }).click();
    await runFromPalette(page, 'Preview What Will Be Sent');
    const preview = panel.locator('.jp-Llmds-preview');
    const prompt = preview.locator('pre.jp-Llmds-prompt');
    await expect(prompt).toHaveAttribute('data-mode', 'redacted');
    await expect(preview.locator('.jp-Llmds-tokens')).toHaveText(
      /of 2,000$/
    );

    // Changing the settings reads the card again with them.
    await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set('jupyterlab-llmds:plugin', 'cardBudget', 500);
      await registry.set('jupyterlab-llmds:plugin', 'privacyMode', 'schema');
    });
    await expect(prompt).toHaveAttribute('data-mode', 'schema');
    await expect(preview.getByLabel('Privacy')).toHaveValue('schema');
    await expect(preview.locator('.jp-Llmds-tokens')).toHaveText(
      /^≈ \d+ tokens of 500$/
    );
    await expect(prompt).not.toContainText('$1,234.50');

    // A mode picked in the panel is kept in the settings (it decides what is sent).
    await preview.getByLabel('Privacy').selectOption('full');
    await expect(prompt).toHaveAttribute('data-mode', 'full');
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const registry = await (window as any).galata.getPlugin(
            '@jupyterlab/apputils-extension:settings'
          );
          const settings = await registry.load('jupyterlab-llmds:plugin');
          return settings.composite.privacyMode;
        })
      )
      .toBe('full');

    expect(ourErrors(errors)).toEqual([]);
  });
});
