/** The "Data co-pilot" side bar panel. */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, refreshIcon, UseSignal } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { CardModel } from '../cardmodel';
import type { FramesModel } from '../model';
import { CommandIDs } from '../tokens';
import { FrameDetails } from './details';
import { FrameList } from './framelist';
import { copilotIcon } from './icons';
import { withCode } from './text';

export { withCode };

/** The sentence shown for the model's current state (empty for none). */
export function statusText(
  model: FramesModel,
  trans: TranslationBundle
): string {
  switch (model.state) {
    case 'no_notebook':
      return trans.__(
        'Open a notebook to see the pandas DataFrames in its kernel.'
      );
    case 'loading':
      return model.message || trans.__('Looking for DataFrames…');
    case 'ok':
      return model.frames.length === 0
        ? trans.__(
            'No DataFrames in this kernel yet: create one and run the cell.'
          )
        : '';
    case 'no_pandas':
      return trans.__('No pandas DataFrames yet: import pandas and create one');
    case 'not_python':
      return (
        model.message ||
        trans.__(
          "This notebook's kernel is not Python: the Data co-pilot reads pandas DataFrames in Python kernels only."
        )
      );
    case 'not_installed':
      return (
        model.message ||
        trans.__(
          "jupyterlab_llmds is not installed in the kernel's environment. Install it there (pip install jupyterlab-llmds) and restart the kernel."
        )
      );
    case 'busy':
      // The server's sentence already says when the list comes back.
      return (
        model.message ||
        trans.__('The kernel is busy; the list refreshes when it finishes.')
      );
    case 'no_kernel':
    case 'server_missing':
    case 'error':
    default:
      return model.message;
  }
}

/** The panel's React content. */
function CopilotView(props: {
  model: FramesModel;
  cardModel: CardModel | null;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, cardModel, commands, trans } = props;
  const text = statusText(model, trans);
  const task = model.task;
  const showList =
    model.frames.length > 0 &&
    (model.state === 'ok' || model.state === 'busy' || model.state === 'loading');
  const isError =
    model.state === 'error' ||
    model.state === 'server_missing' ||
    model.state === 'not_installed' ||
    model.state === 'not_python';
  const cleanLabel = commands.label(CommandIDs.clean);
  return (
    <div className="jp-Llmds-content">
      <div className="jp-Llmds-header">
        <copilotIcon.react tag="span" className="jp-Llmds-headerIcon" />
        <h2 className="jp-Llmds-title">{trans.__('Data co-pilot')}</h2>
        <button
          className="jp-Llmds-iconButton"
          type="button"
          title={commands.caption(CommandIDs.refresh)}
          aria-label={commands.label(CommandIDs.refresh)}
          disabled={!commands.isEnabled(CommandIDs.refresh)}
          onClick={() => void commands.execute(CommandIDs.refresh)}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {model.notebookName && (
        <div className="jp-Llmds-notebook" title={model.notebook?.context.path}>
          {trans.__('DataFrames in the kernel of %1', model.notebookName)}
        </div>
      )}
      {text && (
        <div
          className={`jp-Llmds-status${isError ? ' jp-mod-error' : ''}`}
          data-state={model.state}
          role={isError ? 'alert' : 'status'}
        >
          {model.state === 'loading' && (
            <span className="jp-Llmds-spinner" aria-hidden="true" />
          )}
          <span>{withCode(text)}</span>
        </div>
      )}
      {showList && (
        <FrameList
          frames={model.frames}
          selected={model.selected}
          stale={model.state !== 'ok'}
          trans={trans}
          onSelect={name => model.select(name)}
          onActivate={() => {
            if (commands.isEnabled(CommandIDs.clean)) {
              void commands.execute(CommandIDs.clean);
            }
          }}
        />
      )}
      {showList && (
        <div className="jp-Llmds-actions">
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept jp-Llmds-clean"
            title={commands.caption(CommandIDs.clean)}
            disabled={!commands.isEnabled(CommandIDs.clean)}
            onClick={() => void commands.execute(CommandIDs.clean)}
          >
            {cleanLabel}
          </button>
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-reject jp-Llmds-validate"
            title={commands.caption(CommandIDs.validate)}
            disabled={!commands.isEnabled(CommandIDs.validate)}
            onClick={() => void commands.execute(CommandIDs.validate)}
          >
            {commands.label(CommandIDs.validate)}
          </button>
          <p className="jp-Llmds-hint">
            {withCode(
              model.selected
                ? trans.__(
                    'Writes cells that clean or check `%1` below the active cell. Nothing runs until you run them.',
                    model.selected
                  )
                : trans.__('Select a DataFrame to clean or check it.')
            )}
          </p>
        </div>
      )}
      {task.phase !== 'idle' && (
        <div
          className={`jp-Llmds-task jp-mod-${task.phase}`}
          data-phase={task.phase}
          role={task.phase === 'error' ? 'alert' : 'status'}
        >
          {task.phase === 'running' && (
            <span className="jp-Llmds-spinner" aria-hidden="true" />
          )}
          <span>{withCode(task.message)}</span>
        </div>
      )}
      {showList && cardModel !== null && (
        <UseSignal signal={cardModel.stateChanged}>
          {() => <FrameDetails model={cardModel} trans={trans} />}
        </UseSignal>
      )}
    </div>
  );
}

/** The side bar widget. */
export class CopilotPanel extends ReactWidget {
  constructor(options: CopilotPanel.IOptions) {
    super();
    this._model = options.model;
    this._cardModel = options.cardModel ?? null;
    this._commands = options.commands;
    this._trans = options.trans;
    this.addClass('jp-Llmds-panel');
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.stateChanged}>
        {() => (
          <CopilotView
            model={this._model}
            cardModel={this._cardModel}
            commands={this._commands}
            trans={this._trans}
          />
        )}
      </UseSignal>
    );
  }

  private _model: FramesModel;
  private _cardModel: CardModel | null;
  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
}

export namespace CopilotPanel {
  export interface IOptions {
    model: FramesModel;
    /** The selected frame's card; without it the panel shows no card. */
    cardModel?: CardModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
  }
}
