/**
 * The renderer of the `%%llm` magic's bundle: a one-line summary instead of
 * the raw cells (which the notebook inserts below the cell).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { parseMagicBundle } from '../notebook';
import { CELLS_MIMETYPE } from '../tokens';

/** The summary sentence of a bundle. */
export function summaryText(
  trans: TranslationBundle,
  cells: number,
  task: string,
  frame: string,
  engine: string
): string {
  const what =
    task === 'clean'
      ? trans.__('cleaning `%1`', frame)
      : trans.__('%1 on `%2`', task, frame);
  return trans._n(
    'jupyterlab-llmds: %1 cell for %2 inserted below (%3 engine) — review, then run it',
    'jupyterlab-llmds: %1 cells for %2 inserted below (%3 engine) — review, then run them',
    cells,
    what,
    engine || trans.__('unknown')
  );
}

/** Renders a magic bundle as one line. */
export class CellsSummaryRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    options: IRenderMime.IRendererOptions,
    private _trans: TranslationBundle
  ) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('jp-Llmds-summary');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const bundle = parseMagicBundle(model.data[this._mimeType]);
    this.node.textContent = bundle
      ? summaryText(
          this._trans,
          bundle.cells.length,
          bundle.task,
          bundle.frame,
          bundle.engine
        )
      : this._trans.__('jupyterlab-llmds: this output holds no cells.');
    return Promise.resolve();
  }

  private _mimeType: string;
}

/** The renderer factory (safe: it only writes text). */
export function createSummaryFactory(
  trans: TranslationBundle
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [CELLS_MIMETYPE],
    defaultRank: 40,
    createRenderer: options => new CellsSummaryRenderer(options, trans)
  };
}
