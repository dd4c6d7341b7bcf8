/**
 * The cells of a finished answer: markdown cells rendered, code cells
 * highlighted with a toolbar (Insert below, Replace active cell, Copy,
 * Preview) and, once asked for, the preview of that block under it.
 */
import { Clipboard } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  addBelowIcon,
  checkIcon,
  copyIcon,
  editIcon,
  runIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type { ChatModel, IChatMessage } from '../chatmodel';
import type { ISuggestedCell } from '../tokens';
import { fenced, RenderedMarkdown } from './chatmarkdown';
import { PreviewPanel } from './chatpreview';

/** One code cell of an answer with its toolbar and preview. */
function CodeBlock(props: {
  model: ChatModel;
  message: IChatMessage;
  cell: ISuggestedCell;
  cellIndex: number;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, message, cell, cellIndex, rendermime, trans } = props;
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  const run = model.preview(message.id, cellIndex);
  const insertCode = (source: string, preview?: string) =>
    model.insertCells(message, [{ cell_type: 'code', source }], preview);
  return (
    <div className="jp-Llmds-codeBlock" data-cell-index={cellIndex}>
      <div
        className="jp-Llmds-codeToolbar"
        role="toolbar"
        aria-label={trans.__('Code block actions')}
      >
        <ToolbarButtonComponent
          className="jp-Llmds-insertBelow"
          icon={addBelowIcon}
          label={trans.__('Insert below')}
          tooltip={trans.__('Insert this code as a cell below the active cell')}
          onClick={() => insertCode(cell.source)}
        />
        <ToolbarButtonComponent
          className="jp-Llmds-previewCode"
          icon={runIcon}
          label={trans.__('Preview')}
          tooltip={trans.__(
            'Run this code on a copy of %1 and show what it would change; your data stays as it is',
            message.frames[0] ?? ''
          )}
          enabled={!(run?.isRunning ?? false)}
          onClick={() => {
            model.startPreview(message, cellIndex);
          }}
        />
        {/* Icon-only (the side bar is narrow): the tooltip is the name. */}
        <ToolbarButtonComponent
          className="jp-Llmds-replaceCell"
          icon={editIcon}
          tooltip={trans.__(
            'Replace the active cell’s code with this code (Ctrl+Z in the cell undoes it)'
          )}
          onClick={() => model.replaceActive(message, cell.source)}
        />
        <ToolbarButtonComponent
          className="jp-Llmds-copyCode"
          icon={copied ? checkIcon : copyIcon}
          tooltip={
            copied
              ? trans.__('Copied to the clipboard')
              : trans.__('Copy this code to the clipboard')
          }
          onClick={() => {
            Clipboard.copyToSystem(cell.source);
            setCopied(true);
          }}
        />
      </div>
      <RenderedMarkdown
        rendermime={rendermime}
        source={fenced(cell.source)}
        className="jp-Llmds-code"
      />
      {run && (
        <PreviewPanel
          run={run}
          rendermime={rendermime}
          trans={trans}
          onInsert={code =>
            insertCode(code, run.repaired ? 'repaired' : run.status || undefined)
          }
          onDiscard={() => model.discardPreview(message.id, cellIndex)}
          onAllowFlagged={() => model.startPreview(message, cellIndex, true)}
        />
      )}
    </div>
  );
}

/** The cells of a finished answer, in order. */
export function AnswerCells(props: {
  model: ChatModel;
  message: IChatMessage;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, message, rendermime, trans } = props;
  const cells = message.cells ?? [];
  return (
    <div className="jp-Llmds-answerCells">
      {cells.map((cell, index) =>
        cell.cell_type === 'code' ? (
          <CodeBlock
            key={index}
            model={model}
            message={message}
            cell={cell}
            cellIndex={index}
            rendermime={rendermime}
            trans={trans}
          />
        ) : (
          <RenderedMarkdown
            key={index}
            rendermime={rendermime}
            source={cell.source}
            className="jp-Llmds-answerText"
          />
        )
      )}
    </div>
  );
}
