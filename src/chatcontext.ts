/**
 * What a chat request says about its context, as plain functions (no
 * state): the frames in play (the selected frame plus `@name` mentions), the
 * mention being typed at the caret, the notebook cells that touch those
 * frames, and the earlier turns of the conversation.
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { IChatMessage } from './chatstore';
import type { IChatTurn } from './tokens';

/** Most frames one chat request may name (the server refuses more). */
export const MAX_FRAMES_IN_PLAY = 10;

/** Most notebook cells sent as context with one request. */
export const MAX_CONTEXT_CELLS = 10;

/**
 * Longest cell source sent as context; longer cells are cut (a cell that
 * loads data may embed a whole table, which would crowd out the cards).
 */
export const MAX_CONTEXT_CELL_CHARS = 4000;

/** A Python identifier, as frame names are. */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';

/** `@name` not preceded by a word character (so e-mail addresses are not mentions). */
const MENTION = new RegExp(`(^|[^\\w@])@(${NAME})`);

/** Escape `text` for use inside a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The frame names mentioned as `@name` in `text`, in order of first mention,
 * keeping only names in `known` (the live frames).
 */
export function mentionedFrames(
  text: string,
  known: ReadonlyArray<string>
): string[] {
  const found: string[] = [];
  const pattern = new RegExp(MENTION.source, 'g');
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const name = match[2];
    if (known.includes(name) && !found.includes(name)) {
      found.push(name);
    }
  }
  return found;
}

/**
 * The frames a request is about: the selected frame first, then the
 * mentioned ones, without duplicates, at most {@link MAX_FRAMES_IN_PLAY}.
 */
export function framesInPlay(
  selected: string | null,
  mentioned: ReadonlyArray<string>
): string[] {
  const frames: string[] = [];
  for (const name of [selected, ...mentioned]) {
    if (name && !frames.includes(name)) {
      frames.push(name);
    }
  }
  return frames.slice(0, MAX_FRAMES_IN_PLAY);
}

/** The `@` mention being typed at the caret. */
export interface IMentionQuery {
  /** Index of the `@` in the text. */
  start: number;
  /** What follows the `@` up to the caret (may be empty). */
  query: string;
}

/**
 * The mention the caret is in, if any: an `@` at the start of the text or
 * after a non-word character, followed by name characters up to the caret.
 */
export function mentionAt(text: string, caret: number): IMentionQuery | null {
  const before = text.slice(0, Math.max(0, Math.min(caret, text.length)));
  const match = /(^|[^\w@])@([A-Za-z0-9_]*)$/.exec(before);
  if (!match) {
    return null;
  }
  return { start: before.length - match[2].length - 1, query: match[2] };
}

/**
 * The frame names that complete `query`: names starting with it first
 * (case-insensitive), then names containing it, each group in list order.
 */
export function mentionCandidates(
  query: string,
  names: ReadonlyArray<string>
): string[] {
  const lower = query.toLowerCase();
  const starts = names.filter(name => name.toLowerCase().startsWith(lower));
  const contains = names.filter(
    name => !starts.includes(name) && name.toLowerCase().includes(lower)
  );
  return [...starts, ...contains];
}

/**
 * `text` with the mention at `mention` replaced by `@name ` (the caret goes
 * after the space).
 *
 * @returns the new text and the new caret position.
 */
export function completeMention(
  text: string,
  caret: number,
  mention: IMentionQuery,
  name: string
): { text: string; caret: number } {
  const after = text.slice(caret).replace(/^[A-Za-z0-9_]*/, '');
  const inserted = `@${name}${after.startsWith(' ') ? '' : ' '}`;
  const head = text.slice(0, mention.start) + inserted;
  return {
    text: head + after,
    caret: head.length + (after.startsWith(' ') ? 1 : 0)
  };
}

/** `text` without its `@name` mentions of `name`. */
export function removeMention(text: string, name: string): string {
  const pattern = new RegExp(
    `(^|[^\\w@])@${escapeRegExp(name)}(?![A-Za-z0-9_]) ?`,
    'g'
  );
  return text.replace(pattern, '$1');
}

/** Whether `source` uses `name` as a whole word (`df` but not `df_clean`). */
export function mentionsName(source: string, name: string): boolean {
  return new RegExp(`(^|[^\\w])${escapeRegExp(name)}(?![\\w])`).test(source);
}

/**
 * The frame a code block works on, for its preview: the first of `frames`
 * (the frames in play when it was asked) that the code names as a whole
 * word, else the first of them; null without frames.
 */
export function frameForCode(
  source: string,
  frames: ReadonlyArray<string>
): string | null {
  return frames.find(name => mentionsName(source, name)) ?? frames[0] ?? null;
}

/** A code cell as the context search sees it. */
export interface IContextCell {
  source: string;
  /** The cell's execution count (null when it never ran). */
  executionCount: number | null;
}

/**
 * The sources of the code cells that mention a frame in play, for the
 * request's `notebook_cells`: the {@link MAX_CONTEXT_CELLS} most recent
 * (last run first, then lowest in the notebook), sent oldest first. Cells
 * longer than {@link MAX_CONTEXT_CELL_CHARS} are cut with a note.
 *
 * @param cells - The notebook's code cells, top to bottom.
 * @param frames - The frames in play.
 */
export function contextCells(
  cells: ReadonlyArray<IContextCell>,
  frames: ReadonlyArray<string>,
  limit = MAX_CONTEXT_CELLS
): string[] {
  if (frames.length === 0) {
    return [];
  }
  const matching = cells
    .map((cell, position) => ({ ...cell, position }))
    .filter(
      cell =>
        cell.source.trim().length > 0 &&
        frames.some(name => mentionsName(cell.source, name))
    );
  // Recency: the execution count says what ran last; cells that never ran
  // count as older than any that did, and among equals the lower is newer.
  const recency = (cell: { executionCount: number | null; position: number }) =>
    [cell.executionCount ?? -1, cell.position] as const;
  matching.sort((a, b) => {
    const [countA, positionA] = recency(a);
    const [countB, positionB] = recency(b);
    return countA - countB || positionA - positionB;
  });
  return matching.slice(-limit).map(cell =>
    cell.source.length > MAX_CONTEXT_CELL_CHARS
      ? `${cell.source.slice(0, MAX_CONTEXT_CELL_CHARS)}\n# ... (cell cut here)`
      : cell.source
  );
}

/** Most earlier messages sent as `history` (the server trims further). */
const MAX_HISTORY_MESSAGES = 20;

/**
 * The earlier turns to send with a request: user questions and the answers
 * that arrived (whole or stopped), oldest first; failed answers and the
 * questions they answered are left out.
 */
export function historyOf(messages: ReadonlyArray<IChatMessage>): IChatTurn[] {
  const turns: IChatTurn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message.role !== 'user') {
      continue;
    }
    const reply = messages[i + 1];
    if (
      !reply ||
      reply.role !== 'assistant' ||
      reply.status === 'error' ||
      reply.text.trim().length === 0
    ) {
      continue;
    }
    turns.push(
      {
        role: 'user',
        // A quick action without words: say what it asked for.
        content: message.text || `${message.task} ${message.frames.join(', ')}`
      },
      { role: 'assistant', content: reply.text }
    );
  }
  return turns.slice(-MAX_HISTORY_MESSAGES);
}

/** The code cells of a notebook, top to bottom, for the context search. */
export function codeCellsOf(panel: NotebookPanel): IContextCell[] {
  const cells: IContextCell[] = [];
  const model = panel.content.model;
  if (!model) {
    return cells;
  }
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') {
      continue;
    }
    const count = (cell as ICodeCellModel).executionCount;
    cells.push({
      source: cell.sharedModel.getSource(),
      executionCount: typeof count === 'number' ? count : null
    });
  }
  return cells;
}
