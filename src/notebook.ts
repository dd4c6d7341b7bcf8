/**
 * Putting generated cells into notebooks.
 *
 * Cells go in through the notebook's shared model (`insertCells`), which
 * inserts them in one transaction: one undo step, cell types and metadata set
 * at creation (no `changeCellType` round trip that would recreate cells), and
 * it is what `NotebookActions.insertBelow` itself uses.
 */
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import { Notebook, NotebookActions } from '@jupyterlab/notebook';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';

import {
  CELLS_MIMETYPE,
  ICellOrigin,
  IMagicBundle,
  ISuggestedCell,
  ISuggestion,
  METADATA_KEY,
  ORIGIN,
  VERSION
} from './tokens';

/**
 * The `llmds` metadata for cells of a suggestion (or of a chat answer, with
 * its `extra` fields: the model, every frame, the preview's outcome).
 */
export function originOf(
  suggestion: Pick<ISuggestion, 'task' | 'frame' | 'engine' | 'version'>,
  extra: Pick<ICellOrigin, 'model' | 'frames' | 'preview'> = {}
): ICellOrigin {
  const origin: ICellOrigin = {
    origin: ORIGIN,
    task: String(suggestion.task ?? ''),
    frame: String(suggestion.frame ?? ''),
    engine: String(suggestion.engine ?? ''),
    version:
      typeof suggestion.version === 'string' && suggestion.version
        ? suggestion.version
        : VERSION
  };
  // Only the fields that say something (no empty keys in the notebook).
  if (extra.model) {
    origin.model = extra.model;
  }
  if (extra.frames && extra.frames.length > 1) {
    origin.frames = [...extra.frames];
  }
  if (extra.preview) {
    origin.preview = extra.preview;
  }
  return origin;
}

/** Index of the cell with model id `cellId`, or -1. */
export function cellIndexById(notebook: Notebook, cellId: string): number {
  const cells = notebook.model?.cells;
  if (!cells) {
    return -1;
  }
  for (let i = 0; i < cells.length; i++) {
    if (cells.get(i).id === cellId) {
      return i;
    }
  }
  return -1;
}

/**
 * Insert `cells` below the cell at `index` (at the top when -1), in order,
 * not executed, each with the origin metadata. With `activate` the first
 * inserted cell becomes active (command mode) and is scrolled into view;
 * without it the active cell stays where it is (the notebook keeps it by id).
 *
 * @returns the index of the first inserted cell, or -1 when nothing was inserted.
 */
export function insertCellsBelow(
  notebook: Notebook,
  index: number,
  cells: ReadonlyArray<ISuggestedCell>,
  origin: ICellOrigin,
  activate = true
): number {
  const model = notebook.model;
  const valid = cells.filter(
    cell =>
      (cell.cell_type === 'markdown' || cell.cell_type === 'code') &&
      typeof cell.source === 'string'
  );
  if (!model || valid.length === 0) {
    return -1;
  }
  const at = Math.max(0, Math.min(index + 1, model.cells.length));
  model.sharedModel.insertCells(
    at,
    valid.map(cell => ({
      cell_type: cell.cell_type,
      source: cell.source,
      metadata: { [METADATA_KEY]: { ...origin } }
    }))
  );
  if (activate) {
    notebook.deselectAll();
    notebook.mode = 'command';
    notebook.activeCellIndex = at;
    const first = notebook.widgets[at];
    if (first) {
      void notebook.scrollToCell(first).catch(() => undefined);
    }
  }
  return at;
}

/**
 * Insert a suggestion below the cell `anchorCellId` (falling back to the
 * active cell when that cell is gone).
 *
 * @returns the number of cells inserted.
 */
export function insertSuggestion(
  notebook: Notebook,
  anchorCellId: string | null,
  suggestion: ISuggestion
): number {
  let index = anchorCellId ? cellIndexById(notebook, anchorCellId) : -1;
  if (index < 0) {
    index = notebook.activeCellIndex;
  }
  const at = insertCellsBelow(
    notebook,
    index,
    suggestion.cells,
    originOf(suggestion)
  );
  return at < 0 ? 0 : suggestion.cells.length;
}

/**
 * Replace the source of the active code cell with `source` and tag it with
 * `origin`, in one transaction of the cell's shared model, so that one undo
 * (Ctrl+Z in the cell) brings the old source back. The cell keeps its id,
 * outputs and execution count until it is run again.
 *
 * @returns the index of the replaced cell, or -1 when the active cell is
 * not a code cell (nothing is changed then).
 */
export function replaceActiveCell(
  notebook: Notebook,
  source: string,
  origin: ICellOrigin
): number {
  const model = notebook.model;
  const index = notebook.activeCellIndex;
  const cell = model && index >= 0 ? model.cells.get(index) : undefined;
  if (!model || !cell || cell.type !== 'code') {
    return -1;
  }
  const shared = cell.sharedModel;
  // The cell's own transaction: its origin is what the cell's undo manager
  // tracks (the notebook-wide one when document-wide undo is on).
  shared.transact(() => {
    shared.setSource(source);
    shared.setMetadata({
      ...shared.getMetadata(),
      [METADATA_KEY]: { ...origin }
    });
  });
  return index;
}

/** Read a magic bundle from an output's data value, or null if malformed. */
export function parseMagicBundle(
  value: ReadonlyPartialJSONValue | undefined
): IMagicBundle | null {
  let data: unknown = value;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return null;
  }
  const bundle = data as Partial<IMagicBundle>;
  if (typeof bundle.id !== 'string' || !Array.isArray(bundle.cells)) {
    return null;
  }
  return {
    id: bundle.id,
    task: String(bundle.task ?? ''),
    frame: String(bundle.frame ?? ''),
    engine: String(bundle.engine ?? ''),
    version: typeof bundle.version === 'string' ? bundle.version : undefined,
    cells: bundle.cells as ISuggestedCell[]
  };
}

/** The magic bundles among a cell's outputs, in output order. */
export function magicBundlesOf(cell: Cell): IMagicBundle[] {
  if (cell.model.type !== 'code') {
    return [];
  }
  const outputs = (cell.model as ICodeCellModel).outputs;
  const bundles: IMagicBundle[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const data = outputs.get(i).data;
    if (Object.prototype.hasOwnProperty.call(data, CELLS_MIMETYPE)) {
      const bundle = parseMagicBundle(data[CELLS_MIMETYPE]);
      if (bundle) {
        bundles.push(bundle);
      }
    }
  }
  return bundles;
}

/** The bundle ids already inserted below a cell (its `llmds.inserted`). */
export function insertedIds(cell: Cell): string[] {
  const meta = cell.model.getMetadata(METADATA_KEY) as
    | { inserted?: unknown }
    | undefined;
  const ids = meta && Array.isArray(meta.inserted) ? meta.inserted : [];
  return ids.filter((id): id is string => typeof id === 'string');
}

/**
 * Insert the cells of every new magic bundle of `cell` below it, once.
 *
 * The bundle id goes into the cell's `llmds.inserted` metadata, so running
 * the check again (or reloading the notebook) does not insert twice.
 *
 * @returns the number of cells inserted.
 */
export function insertMagicOutputs(notebook: Notebook, cell: Cell): number {
  const bundles = magicBundlesOf(cell);
  if (bundles.length === 0) {
    return 0;
  }
  const done = insertedIds(cell);
  let inserted = 0;
  // Later bundles go below earlier ones: insert in reverse at the same index.
  const fresh = bundles.filter(bundle => !done.includes(bundle.id));
  if (fresh.length === 0) {
    return 0;
  }
  const meta =
    (cell.model.getMetadata(METADATA_KEY) as Record<string, unknown>) ?? {};
  cell.model.setMetadata(METADATA_KEY, {
    ...meta,
    inserted: [...done, ...fresh.map(bundle => bundle.id)]
  });
  for (const bundle of fresh.reverse()) {
    const index = cellIndexById(notebook, cell.model.id);
    if (index < 0) {
      break;
    }
    const at = insertCellsBelow(
      notebook,
      index,
      bundle.cells,
      originOf(bundle),
      false
    );
    if (at >= 0) {
      inserted += bundle.cells.length;
    }
  }
  return inserted;
}

/**
 * Listen to `NotebookActions.executed` and insert the cells of `%%llm`
 * magics below the cell that ran them.
 */
export function watchMagicOutputs(): IDisposable {
  const onExecuted = (
    _sender: unknown,
    args: { notebook: Notebook; cell: Cell }
  ): void => {
    try {
      insertMagicOutputs(args.notebook, args.cell);
    } catch (reason) {
      console.error('jupyterlab-llmds: could not insert magic cells', reason);
    }
  };
  NotebookActions.executed.connect(onExecuted);
  let disposed = false;
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (!disposed) {
        disposed = true;
        NotebookActions.executed.disconnect(onExecuted);
      }
    }
  };
}
