/**
 * UI tests of the Data co-pilot's chat: a real JupyterLab, a real ipykernel,
 * the real server extension and the real openai client, talking to the
 * repository's scripted chat-completions server (tests/chat_server.py),
 * which the JupyterLab on port 8889 starts (jupyter_server_chat_config.py).
 * The words of each question steer the scripted answer (see that file).
 *
 * The last group runs on the port-8888 JupyterLab, which has no model: the
 * built-in offline engine answers there.
 */
import {
  expect,
  IJupyterLabPageFixture,
  JupyterLabPage,
  test
} from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import {
  notebookState,
  ourErrors,
  openSidebarByTab,
  saveScreenshot,
  SIDEBAR_ID,
  watchConsole
} from './helpers';

test.use({ autoGoto: true, baseURL: 'http://localhost:8889' });

/** A small frame with text that should be numbers. */
const FRAME = [
  'import pandas as pd',
  'df = pd.DataFrame({' +
    '"price": ["$1.50", "$2.00", "N/A", "$7.25"], ' +
    '"qty": ["3", "5", "N/A", "2"], ' +
    '"city": ["NY", "ny ", "Boston", "NY"]})',
  'df.shape'
].join('\n');

/** Two frames, for mentions. */
const TWO_FRAMES = [
  FRAME,
  'orders = pd.DataFrame({"order_id": [1, 2, 3], "qty": [1, 2, 3]})',
  'orders.shape'
].join('\n');

/** A new notebook whose first cell ran `code` (its output contains `shape`). */
async function notebookWith(
  page: IJupyterLabPageFixture,
  code: string,
  shape: string
): Promise<void> {
  await page.notebook.createNew();
  await page.notebook.setCell(0, 'code', code);
  await page.notebook.runCell(0);
  await expect((await page.notebook.getCellOutputLocator(0))!).toContainText(
    shape
  );
}

/** Open the side bar, optionally select a frame, and switch to the chat. */
async function openChat(
  page: IJupyterLabPageFixture,
  select: string | null = 'df'
): Promise<{ panel: Locator; chat: Locator }> {
  // After a reload the side bar may be open already (clicking would close it).
  const open = page.locator(`#${SIDEBAR_ID}`);
  const panel = (await open.isVisible()) ? open : await openSidebarByTab(page);
  if (select) {
    const row = panel.locator('.jp-Llmds-frame', { hasText: select }).first();
    await row.click();
    await expect(row).toHaveAttribute('aria-selected', 'true');
  }
  await panel.getByRole('tab', { name: 'Chat' }).click();
  const chat = panel.locator('.jp-Llmds-chat');
  await expect(chat).toBeVisible();
  return { panel, chat };
}

/** Type `text` in the chat's input and press Enter. */
async function ask(chat: Locator, text: string): Promise<Locator> {
  const input = chat.locator('.jp-Llmds-chatInput');
  const before = await chat
    .locator('.jp-Llmds-chatMessage[data-role="assistant"]')
    .count();
  await input.fill(text);
  await input.press('Enter');
  const answers = chat.locator('.jp-Llmds-chatMessage[data-role="assistant"]');
  await expect(answers).toHaveCount(before + 1);
  return answers.nth(before);
}

test.describe('Data co-pilot chat with a model', () => {
  test('streams an answer about a live frame, shows what it cost, and inserts a code block below the active cell', async ({
    page
  }, testInfo) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { panel, chat } = await openChat(page);

    // Before sending: the frame in play and what will be sent about it.
    await expect(
      chat.locator('.jp-Llmds-frameChip[data-frame="df"]')
    ).toBeVisible();
    await expect(chat.locator('.jp-Llmds-sendPreview')).toHaveText(
      /^Sends the card of df: ≈ \d+ tokens, redacted\.$/
    );
    // known before anything is asked (GET /llmds/engine)
    await expect(chat.locator('.jp-Llmds-engine')).toHaveText(
      'openai · test-model'
    );

    const answer = await ask(chat, 'Which columns of df need cleaning?');
    await expect(
      chat.locator('.jp-Llmds-chatMessage[data-role="user"]')
    ).toHaveText('Which columns of df need cleaning?');
    await expect(chat.locator('.jp-Llmds-stop')).toBeVisible();

    // The answer appears in pieces: part of it is on screen (rendered as
    // Markdown) while the rest is still on its way.
    const partials: string[] = [];
    for (let i = 0; i < 200; i++) {
      const status = await answer.getAttribute('data-status');
      if (status !== 'streaming') {
        break;
      }
      partials.push((await answer.locator('.jp-Llmds-answerText').allTextContents()).join(''));
      await page.waitForTimeout(50);
    }
    expect(
      partials.some(
        text =>
          text.includes('Here is what I see') &&
          !text.includes('df_clean.dtypes')
      )
    ).toBe(true);

    await expect(answer).toHaveAttribute('data-status', 'done');
    await expect(answer).toContainText('Run it, then check df_clean.dtypes.');
    // Markdown through rendermime: a real table, highlighted code.
    await expect(answer.locator('table')).toContainText('numbers as text');
    const block = answer.locator('.jp-Llmds-codeBlock');
    await expect(block).toHaveCount(1);
    await expect(block.locator('pre')).toContainText('pd.to_numeric');
    // Which engine and model answered, and the tokens used.
    await expect(answer.locator('.jp-Llmds-answerFacts')).toHaveText(
      'openai · test-model · 321 tokens sent, 45 received'
    );
    await expect(chat.locator('.jp-Llmds-stop')).toHaveCount(0);
    await expect(chat.locator('.jp-Llmds-engine')).toHaveText(
      'openai · test-model'
    );

    // A wider side bar for the picture (drag the handle left of it).
    const handle = page
      .locator('#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)')
      .last();
    const box = await handle.boundingBox();
    if (box) {
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 2, y);
      await page.mouse.down();
      await page.mouse.move(box.x - 160, y, { steps: 5 });
      await page.mouse.up();
    }
    await saveScreenshot(panel, 'chat.png', testInfo);

    // Insert below the active cell (the first one).
    await page.notebook.selectCells(0);
    const before = await notebookState(page);
    expect(before.active).toBe(0);
    await block.getByRole('button', { name: 'Insert below' }).click();
    await expect(chat.locator('.jp-Llmds-notice')).toContainText(
      'Inserted 1 cell below the active cell'
    );
    const after = await notebookState(page);
    expect(after.cells).toHaveLength(before.cells.length + 1);
    expect(after.cells[0].source).toBe(FRAME);
    const inserted = after.cells[1];
    expect(inserted.type).toBe('code');
    expect(inserted.source).toBe(
      'df_clean = df.copy()\ndf_clean["qty"] = pd.to_numeric(df_clean["qty"], errors="coerce")'
    );
    expect(inserted.metadata.llmds).toEqual({
      origin: 'jupyterlab-llmds',
      task: 'ask',
      frame: 'df',
      engine: 'openai',
      model: 'test-model',
      version: expect.any(String)
    });

    // Replace the active cell's code; one undo in the cell brings it back.
    await page.notebook.addCell('code', 'placeholder = 1');
    const last = after.cells.length;
    await page.notebook.selectCells(last);
    await block.getByRole('button', { name: 'Replace' }).click();
    let state = await notebookState(page);
    expect(state.cells[last].source).toContain('pd.to_numeric');
    expect(state.cells[last].metadata.llmds).toMatchObject({ task: 'ask' });
    await page.notebook.enterCellEditingMode(last);
    await page.keyboard.press('Control+z');
    state = await notebookState(page);
    expect(state.cells[last].source).toBe('placeholder = 1');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('keeps the conversation across a page reload, sends earlier turns, and clears it', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    let { chat } = await openChat(page);

    const first = await ask(chat, 'Please count the turns so far');
    await expect(first).toHaveAttribute('data-status', 'done');
    await expect(first).toContainText('Earlier messages: 0.');
    const second = await ask(chat, 'And count the turns again');
    await expect(second).toHaveAttribute('data-status', 'done');
    // The first question and its answer went along as history.
    await expect(second).toContainText('Earlier messages: 2.');

    // The state database is saved with the workspace shortly after a change.
    await page.waitForTimeout(2000);
    // The notebook comes back instead of a launcher: do not wait for one.
    await (page as unknown as JupyterLabPage).reload({ waitForIsReady: false });
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    ({ chat } = await openChat(page, null));
    const messages = chat.locator('.jp-Llmds-chatMessage');
    await expect(messages).toHaveCount(4);
    await expect(messages.nth(0)).toHaveText('Please count the turns so far');
    await expect(messages.nth(3)).toContainText('Earlier messages: 2.');
    await expect(messages.nth(3)).toHaveAttribute('data-status', 'done');

    await chat.getByRole('button', { name: /Clear this notebook/ }).click();
    await expect(messages).toHaveCount(0);
    await expect(chat.locator('.jp-Llmds-chatIntro')).toBeVisible();

    expect(ourErrors(errors)).toEqual([]);
  });

  test('@ mentions autocomplete live frame names and put those frames in play', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, TWO_FRAMES, '(3, 2)');
    // The keyboard shortcut opens the chat with the cursor in its input.
    await page.keyboard.press('Control+Shift+Y');
    const chat = page.locator(`#${SIDEBAR_ID} .jp-Llmds-chat`);
    const input = chat.locator('.jp-Llmds-chatInput');
    await expect(input).toBeFocused();
    const popup = chat.locator('.jp-Llmds-mentionList');

    // No frame in play yet: nothing can be sent.
    await expect(chat.locator('.jp-Llmds-frameChip')).toHaveCount(0);

    await input.pressSequentially('Please echo the frames of @');
    await expect(popup.getByRole('option')).toHaveText(['df', 'orders']);
    await expect(popup.getByRole('option', { name: 'df' })).toHaveAttribute(
      'aria-selected',
      'true'
    );
    await input.press('ArrowDown');
    await expect(
      popup.getByRole('option', { name: 'orders' })
    ).toHaveAttribute('aria-selected', 'true');
    await input.press('Tab');
    await expect(popup).toHaveCount(0);
    await expect(input).toHaveValue('Please echo the frames of @orders ');
    await expect(
      chat.locator('.jp-Llmds-frameChip[data-frame="orders"]')
    ).toBeVisible();

    // Typing narrows the list (names starting with it first, then names
    // containing it); Escape closes it and keeps the text.
    await input.pressSequentially('and @d');
    await expect(popup.getByRole('option')).toHaveText(['df', 'orders']);
    await input.pressSequentially('f');
    await expect(popup.getByRole('option')).toHaveText(['df']);
    await input.press('Escape');
    await expect(popup).toHaveCount(0);
    await expect(input).toHaveValue('Please echo the frames of @orders and @df');
    await expect(chat.locator('.jp-Llmds-frameChip')).toHaveText([
      '@orders',
      '@df'
    ]);

    await input.press('Enter');
    const answer = chat
      .locator('.jp-Llmds-chatMessage[data-role="assistant"]')
      .last();
    await expect(answer).toHaveAttribute('data-status', 'done');
    // The request carried both cards, in the order they were mentioned.
    await expect(answer).toContainText('Frames in the prompt: orders, df.');
    await expect(input).toHaveValue('');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('Escape stops an endless answer: it is kept, marked stopped, and the model server sees the client go', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { chat } = await openChat(page);

    const answer = await ask(chat, 'Please stream slowly forever');
    await expect(answer.locator('.jp-Llmds-answerText')).toContainText(
      'tick tick tick'
    );
    await expect(answer).toHaveAttribute('data-status', 'streaming');
    await chat.locator('.jp-Llmds-chatInput').press('Escape');

    await expect(answer).toHaveAttribute('data-status', 'stopped');
    await expect(answer.locator('.jp-Llmds-answerStatus')).toHaveText(
      'Stopped: the answer above is as far as it got.'
    );
    // What arrived is kept and stays put.
    const kept = await answer.locator('.jp-Llmds-answerText').textContent();
    expect(kept).toContain('tick');
    await page.waitForTimeout(500);
    expect(await answer.locator('.jp-Llmds-answerText').textContent()).toBe(
      kept
    );
    await expect(chat.locator('.jp-Llmds-stop')).toHaveCount(0);
    await expect(chat.getByRole('button', { name: 'Retry' })).toBeVisible();

    // The scripted model server saw its client (our server) hang up.
    const status = await ask(chat, 'Tell me: did the last client go?');
    await expect(status).toContainText('Upstream client gone: yes.');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('a refused request is said in plain words in the conversation, and the question stays for Retry', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { chat } = await openChat(page);

    const answer = await ask(chat, 'Please refuse my key');
    await expect(answer).toHaveAttribute('data-status', 'error');
    const alert = answer.getByRole('alert');
    // What happened and what to do, in the engine's words.
    await expect(alert).toContainText('401');
    await expect(alert).toContainText('OPENAI_API_KEY');
    await expect(
      chat.locator('.jp-Llmds-chatMessage[data-role="user"]')
    ).toHaveText('Please refuse my key');

    // Retry asks the same question again in place of the failed answer.
    await chat.getByRole('button', { name: 'Retry' }).click();
    const messages = chat.locator('.jp-Llmds-chatMessage');
    await expect(messages.last()).toHaveAttribute('data-status', 'error');
    await expect(messages).toHaveCount(2);
    await expect(messages.first()).toHaveText('Please refuse my key');

    expect(ourErrors(errors)).toEqual([]);
  });

  test('Preview runs a block on a copy, shows the report, and Insert inserts it', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { chat } = await openChat(page);

    const answer = await ask(chat, 'How do I fix qty?');
    await expect(answer).toHaveAttribute('data-status', 'done');
    const block = answer.locator('.jp-Llmds-codeBlock');
    await block.getByRole('button', { name: 'Preview' }).click();

    const run = block.locator('.jp-Llmds-previewRun');
    await expect(run).toHaveAttribute('data-phase', 'done');
    const attempt = run.locator('.jp-Llmds-attempt');
    await expect(attempt).toHaveCount(1);
    await expect(attempt.locator('.jp-Llmds-badge')).toHaveText('ok');
    // The report says what would change: qty becomes numbers.
    await expect(attempt.locator('.jp-Llmds-report')).toContainText('qty');
    await expect(run.locator('.jp-Llmds-previewRunHeader')).toContainText(
      'Ran on a copy without errors'
    );

    await page.notebook.selectCells(0);
    await run.getByRole('button', { name: 'Insert', exact: true }).click();
    const state = await notebookState(page);
    expect(state.cells[1].source).toContain('pd.to_numeric(df_clean["qty"]');
    expect(state.cells[1].metadata.llmds).toMatchObject({
      origin: 'jupyterlab-llmds',
      frame: 'df',
      engine: 'openai',
      preview: 'ok'
    });

    // The user's frame is as it was: the preview ran on a copy.
    const check = (await notebookState(page)).cells.length;
    await page.notebook.addCell('code', 'df["qty"].tolist()');
    await page.notebook.runCell(check);
    await expect(
      (await page.notebook.getCellOutputLocator(check))!
    ).toContainText("['3', '5', 'N/A', '2']");

    await block.getByRole('button', { name: 'Discard' }).click();
    await expect(run).toHaveCount(0);

    expect(ourErrors(errors)).toEqual([]);
  });

  test('Preview runs a block on the frame in play that its code names', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, TWO_FRAMES, '(3, 2)');
    const { chat } = await openChat(page);
    // `df` is selected, `orders` mentioned: the code works on `orders`.
    const answer = await ask(chat, 'For @orders: please size the orders');
    await expect(answer).toHaveAttribute('data-status', 'done');
    const block = answer.locator('.jp-Llmds-codeBlock');
    await block.getByRole('button', { name: 'Preview' }).click();
    const run = block.locator('.jp-Llmds-previewRun');
    await expect(run).toHaveAttribute('data-phase', 'done');
    await expect(run.locator('.jp-Llmds-attempt .jp-Llmds-badge')).toHaveText('ok');
    await expect(run.locator('.jp-Llmds-report')).toContainText('size');
    expect(ourErrors(errors)).toEqual([]);
  });

  test('Preview of a failing block has the model repair it: attempt 1 fails, attempt 2 passes', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { chat } = await openChat(page);

    const answer = await ask(chat, 'Give me the broken code for a total');
    await expect(answer).toHaveAttribute('data-status', 'done');
    const block = answer.locator('.jp-Llmds-codeBlock');
    await block.getByRole('button', { name: 'Preview' }).click();

    const run = block.locator('.jp-Llmds-previewRun');
    await expect(run).toHaveAttribute('data-phase', 'done', {
      timeout: 60_000
    });
    const attempts = run.locator('.jp-Llmds-attempt');
    await expect(attempts).toHaveCount(2);
    await expect(attempts.nth(0)).toHaveAttribute('data-status', 'failed');
    await expect(attempts.nth(0).locator('.jp-Llmds-report')).toContainText(
      'pricee'
    );
    await expect(attempts.nth(1)).toHaveAttribute('data-status', 'ok');
    await expect(run.locator('.jp-Llmds-previewRunHeader')).toContainText(
      'Repaired in 2 attempts'
    );

    await page.notebook.selectCells(0);
    await run.getByRole('button', { name: 'Insert repaired code' }).click();
    const state = await notebookState(page);
    expect(state.cells[1].source).toContain('df_total["price"].str.len()');
    expect(state.cells[1].source).not.toContain('pricee');
    expect(state.cells[1].metadata.llmds).toMatchObject({ preview: 'repaired' });

    expect(ourErrors(errors)).toEqual([]);
  });
});

test.describe('Data co-pilot chat: flagged code', () => {
  test('Preview of flagged code runs nothing until the user asks, then runs it on a copy', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { chat } = await openChat(page);

    const answer = await ask(chat, 'Write me some unsafe code');
    await expect(answer).toHaveAttribute('data-status', 'done');
    const block = answer.locator('.jp-Llmds-codeBlock');
    await block.getByRole('button', { name: 'Preview' }).click();

    const run = block.locator('.jp-Llmds-previewRun');
    await expect(run).toHaveAttribute('data-phase', 'flagged');
    const attempts = run.locator('.jp-Llmds-attempt');
    await expect(attempts).toHaveCount(1);
    await expect(attempts.first()).toHaveAttribute('data-status', 'flagged');
    // The reason, with its line; nothing ran, nothing to insert yet.
    await expect(attempts.first().locator('.jp-Llmds-report')).toContainText(
      'os.environ'
    );
    await expect(run.getByRole('button', { name: 'Insert' })).toHaveCount(0);

    await run.getByRole('button', { name: 'Preview anyway' }).click();
    await expect(run).toHaveAttribute('data-phase', 'done');
    await expect(attempts).toHaveCount(1);
    await expect(attempts.first()).toHaveAttribute('data-status', 'ok');
    await expect(
      run.getByRole('button', { name: 'Insert', exact: true })
    ).toBeVisible();

    expect(ourErrors(errors)).toEqual([]);
  });
});

test.describe('Data co-pilot chat with the offline engine', () => {
  test.use({ baseURL: 'http://localhost:8888' });

  test('offers only what the offline engine does, and inserts all of its answer as cells', async ({
    page
  }) => {
    const errors = watchConsole(page);
    await notebookWith(page, FRAME, '(4, 3)');
    const { chat } = await openChat(page);

    await expect(chat.locator('.jp-Llmds-engineHint')).toHaveText(
      'Answers come from the offline engine; configure a model (README: Using a model) for questions.'
    );
    const action = (task: string) =>
      chat.locator(`.jp-Llmds-quickAction[data-task="${task}"]`);
    for (const task of ['features', 'model', 'explain']) {
      await expect(action(task)).toBeDisabled();
      await expect(action(task)).toHaveAttribute(
        'title',
        new RegExp(`The offline engine cannot do ${task}`)
      );
    }
    await expect(action('clean')).toBeEnabled();
    await expect(action('validate')).toBeEnabled();
    await expect(chat.locator('.jp-Llmds-sendPreview')).toContainText(
      'nothing is sent to a model'
    );

    await action('clean').click();
    const answer = chat
      .locator('.jp-Llmds-chatMessage[data-role="assistant"]')
      .last();
    await expect(answer).toHaveAttribute('data-status', 'done');
    await expect(
      chat.locator('.jp-Llmds-chatMessage[data-role="user"]')
    ).toHaveText('Clean df');
    await expect(answer.locator('.jp-Llmds-answerFacts')).toHaveText(
      'offline engine'
    );
    const codeBlocks = await answer.locator('.jp-Llmds-codeBlock').count();
    expect(codeBlocks).toBeGreaterThan(0);

    await page.notebook.selectCells(0);
    const before = await notebookState(page);
    await answer.getByRole('button', { name: 'Insert all as cells' }).click();
    const after = await notebookState(page);
    const added = after.cells.slice(1, 1 + after.cells.length - before.cells.length);
    expect(added.length).toBeGreaterThanOrEqual(2);
    expect(added.filter(cell => cell.type === 'code')).toHaveLength(codeBlocks);
    for (const cell of added) {
      expect(cell.metadata.llmds).toMatchObject({
        origin: 'jupyterlab-llmds',
        task: 'clean',
        frame: 'df',
        engine: 'builtin'
      });
    }

    expect(ourErrors(errors)).toEqual([]);
  });
});
