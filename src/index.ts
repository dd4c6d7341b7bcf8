/**
 * jupyterlab-llmds: plugin definitions only. The work is done in
 * model.ts (state), request.ts (REST), commands.ts, notebook.ts and widgets/.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { addCommands } from './commands';
import { FramesModel } from './model';
import { watchMagicOutputs } from './notebook';
import { CommandIDs, SIDEBAR_ID, TRANSLATION_DOMAIN } from './tokens';
import { copilotIcon } from './widgets/icons';
import { CopilotPanel } from './widgets/sidebar';
import { createSummaryFactory } from './widgets/summary';

/** The Data co-pilot side bar, its model and commands. */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-llmds:plugin',
  description:
    'A side bar listing the live DataFrames of the active notebook and writing cleaning cells for them.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ITranslator, ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const model = new FramesModel({
      tracker,
      trans,
      serverSettings: app.serviceManager.serverSettings
    });
    const panel = new CopilotPanel({ model, commands: app.commands, trans });
    panel.id = SIDEBAR_ID;
    panel.title.icon = copilotIcon;
    panel.title.caption = trans.__('Data co-pilot');
    panel.disposed.connect(() => model.dispose());

    addCommands({ app, model, panel, trans });

    app.shell.add(panel, 'right', { rank: 650, type: 'Data co-pilot' });
    if (restorer) {
      restorer.add(panel, SIDEBAR_ID);
    }
    if (palette) {
      const category = trans.__('Data Co-pilot');
      for (const command of [
        CommandIDs.open,
        CommandIDs.refresh,
        CommandIDs.clean
      ]) {
        palette.addItem({ command, category });
      }
    }
  }
};

/**
 * The `%%llm` magic's output: insert its cells below the cell that ran it,
 * and render the bundle as a one-line summary.
 */
const magicPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-llmds:magic-cells',
  description:
    'Inserts the cells published by the %%llm magic below the cell that ran it.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [ITranslator],
  activate: (
    _app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const factory = createSummaryFactory(trans);
    rendermime.addFactory(factory, factory.defaultRank);
    watchMagicOutputs();
  }
};

export default [sidebarPlugin, magicPlugin];
