/** The commands of the Data co-pilot (every action the panel offers). */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import type { Widget } from '@lumino/widgets';

import type { CardModel, DetailsView } from './cardmodel';
import type { FramesModel } from './model';
import { errorMessage } from './model';
import { insertSuggestion } from './notebook';
import { CommandIDs } from './tokens';
import { copilotIcon } from './widgets/icons';

export interface ICommandsOptions {
  app: JupyterFrontEnd;
  model: FramesModel;
  cardModel: CardModel;
  panel: Widget;
  trans: TranslationBundle;
}

/**
 * Add `llmds:open`, `llmds:refresh`, `llmds:clean`, `llmds:show-card` and
 * `llmds:preview-prompt`.
 */
export function addCommands(options: ICommandsOptions): void {
  const { app, model, cardModel, panel, trans } = options;
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
    execute: async () => {
      await model.refresh();
      // The listing may look the same while the values changed: the card
      // of the selected frame is read again too.
      // (Unless the new listing already started that.)
      if (
        model.selected !== null &&
        cardModel.frame === model.selected &&
        cardModel.phase !== 'loading'
      ) {
        await cardModel.refresh();
      }
    }
  });

  /** The frame a command is about: its `frame` argument, else the selection. */
  const frameOf = (args: { [key: string]: unknown }): string | null => {
    const frame = args['frame'];
    if (typeof frame === 'string' && frame.length > 0) {
      return model.frames.some(info => info.name === frame) ? frame : null;
    }
    return model.selected;
  };
  const showDetails = (args: { [key: string]: unknown }, view: DetailsView) => {
    const frame = frameOf(args);
    if (frame === null) {
      return;
    }
    model.select(frame);
    cardModel.setView(view);
    shell.activateById(panel.id);
  };

  /** The argument schema of a command about one frame (`frame`, optional). */
  const frameArgument = (description: string) => ({
    args: {
      type: 'object' as const,
      properties: { frame: { type: 'string' as const, description } }
    }
  });

  commands.addCommand(CommandIDs.showCard, {
    label: args =>
      args['isPalette']
        ? trans.__('Show Data Card of Selected DataFrame')
        : trans.__('Show Data Card'),
    caption: args => {
      const frame = frameOf(args);
      return frame
        ? trans.__('Show what the co-pilot knows about `%1`', frame)
        : trans.__('Select a DataFrame in the Data co-pilot panel first');
    },
    describedBy: frameArgument(
      trans.__('The DataFrame to show (the selected one when omitted)')
    ),
    isEnabled: args => frameOf(args) !== null,
    execute: args => showDetails(args, 'card')
  });

  commands.addCommand(CommandIDs.previewPrompt, {
    label: args =>
      args['isPalette']
        ? trans.__('Preview What Will Be Sent for Selected DataFrame')
        : trans.__('What Will Be Sent'),
    caption: args => {
      const frame = frameOf(args);
      return frame
        ? trans.__(
            'Show the exact text an LLM would receive about `%1` (nothing is sent)',
            frame
          )
        : trans.__('Select a DataFrame in the Data co-pilot panel first');
    },
    describedBy: frameArgument(
      trans.__('The DataFrame to preview (the selected one when omitted)')
    ),
    isEnabled: args => frameOf(args) !== null,
    execute: args => showDetails(args, 'prompt')
  });

  /**
   * Ask the server for `task` cells on the selected frame and insert them
   * below the cell that was active when the task started.
   */
  const runTask = async (task: string): Promise<void> => {
    // the card is read in the privacy mode the panel shows (a lock wins)
    const result = await model.requestSuggestion(
      task,
      cardModel.privacy,
      cardModel.schemaLibrary
    );
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
      const count = insertSuggestion(target.content, anchorCellId, suggestion);
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
  };

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
    execute: () => runTask('clean')
  });

  commands.addCommand(CommandIDs.validate, {
    label: args =>
      args['isPalette']
        ? trans.__('Validate Selected DataFrame')
        : trans.__('Validate'),
    caption: () =>
      model.selected
        ? trans.__(
            'Write a cell that checks `%1` (dtypes, missing-value text, variants, duplicates, ranges) and fails when a check fails',
            model.selected
          )
        : trans.__('Select a DataFrame in the Data co-pilot panel first'),
    isEnabled: () => model.canRunTask,
    execute: () => runTask('validate')
  });

  // Keep the enabled state of the buttons and menus in step with the model.
  model.stateChanged.connect(() => {
    commands.notifyCommandChanged(CommandIDs.clean);
    commands.notifyCommandChanged(CommandIDs.validate);
    commands.notifyCommandChanged(CommandIDs.refresh);
    commands.notifyCommandChanged(CommandIDs.showCard);
    commands.notifyCommandChanged(CommandIDs.previewPrompt);
  });
}
