/** The commands of the Data co-pilot (every action the panel offers). */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import type { Widget } from '@lumino/widgets';

import type { FramesModel } from './model';
import { errorMessage } from './model';
import { insertSuggestion } from './notebook';
import { CommandIDs } from './tokens';
import { copilotIcon } from './widgets/icons';

export interface ICommandsOptions {
  app: JupyterFrontEnd;
  model: FramesModel;
  panel: Widget;
  trans: TranslationBundle;
}

/** Add `llmds:open`, `llmds:refresh` and `llmds:clean`. */
export function addCommands(options: ICommandsOptions): void {
  const { app, model, panel, trans } = options;
  const { commands, shell } = app;

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Open Data Co-pilot'),
    caption: trans.__('Show the DataFrames of the active notebook’s kernel'),
    icon: args => (args['isPalette'] ? undefined : copilotIcon),
    execute: () => {
      shell.activateById(panel.id);
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh DataFrames'),
    caption: trans.__(
      'List the DataFrames in the active notebook’s kernel again'
    ),
    icon: args => (args['isPalette'] ? undefined : refreshIcon),
    isEnabled: () => model.notebook !== null,
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.clean, {
    label: args =>
      args['isPalette']
        ? trans.__('Clean Selected DataFrame')
        : trans.__('Clean'),
    caption: () =>
      model.selected
        ? trans.__(
            'Write cells that clean `%1` below the active cell',
            model.selected
          )
        : trans.__('Select a DataFrame in the Data co-pilot panel first'),
    isEnabled: () => model.canRunTask,
    execute: async () => {
      const task = 'clean';
      const result = await model.requestSuggestion(task);
      if (result === null) {
        return;
      }
      const { panel: target, anchorCellId, suggestion } = result;
      try {
        if (target.isDisposed) {
          throw new Error(
            trans.__('The notebook was closed before the cells arrived.')
          );
        }
        const count = insertSuggestion(
          target.content,
          anchorCellId,
          suggestion
        );
        if (count === 0) {
          model.finishTask(
            'error',
            suggestion.frame,
            trans.__('The server sent no cells for `%1`.', suggestion.frame)
          );
          return;
        }
        if (!target.isVisible) {
          shell.activateById(target.id);
        }
        model.finishTask(
          'done',
          suggestion.frame,
          trans._n(
            'Inserted %1 cell for `%2` below the active cell (%3 engine). Review it, then run it.',
            'Inserted %1 cells for `%2` below the active cell (%3 engine). Review them, then run them.',
            count,
            suggestion.frame,
            suggestion.engine
          )
        );
      } catch (reason) {
        model.finishTask('error', suggestion.frame, errorMessage(reason));
      }
    }
  });

  // Keep the enabled state of the buttons and menus in step with the model.
  model.stateChanged.connect(() => {
    commands.notifyCommandChanged(CommandIDs.clean);
    commands.notifyCommandChanged(CommandIDs.refresh);
  });
}
