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
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CardModel } from './cardmodel';
import { addCommands } from './commands';
import { FramesModel } from './model';
import { watchMagicOutputs } from './notebook';
import {
  CommandIDs,
  PLUGIN_ID,
  SIDEBAR_ID,
  TRANSLATION_DOMAIN
} from './tokens';
import { copilotIcon } from './widgets/icons';
import { CopilotPanel } from './widgets/sidebar';
import { createSummaryFactory } from './widgets/summary';

/** The Data co-pilot side bar, its model and commands. */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A side bar listing the live DataFrames of the active notebook, their data cards and prompts, and writing cleaning cells for them.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ITranslator, ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const model = new FramesModel({
      tracker,
      trans,
      serverSettings: app.serviceManager.serverSettings
    });
    const cardModel = new CardModel({
      frames: model,
      trans,
      serverSettings: app.serviceManager.serverSettings
    });
    const panel = new CopilotPanel({
      model,
      cardModel,
      commands: app.commands,
      trans
    });
    panel.id = SIDEBAR_ID;
    panel.title.icon = copilotIcon;
    panel.title.caption = trans.__('Data co-pilot');
    panel.disposed.connect(() => {
      cardModel.dispose();
      model.dispose();
    });

    addCommands({ app, model, cardModel, panel, trans });

    // The settings are optional: without the registry the defaults apply.
    if (settingRegistry) {
      const apply = (settings: ISettingRegistry.ISettings) => {
        cardModel.configure({
          privacy: settings.get('privacyMode').composite,
          budget: settings.get('cardBudget').composite
        });
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.warn(
            'jupyterlab-llmds: could not load the settings; using the defaults.',
            reason
          );
        });
    }

    app.shell.add(panel, 'right', { rank: 650, type: 'Data co-pilot' });
    if (restorer) {
      restorer.add(panel, SIDEBAR_ID);
    }
    if (palette) {
      const category = trans.__('Data Co-pilot');
      for (const command of [CommandIDs.open, CommandIDs.refresh]) {
        palette.addItem({ command, category });
      }
      // These label themselves differently in the palette (`isPalette`).
      for (const command of [
        CommandIDs.clean,
        CommandIDs.validate,
        CommandIDs.showCard,
        CommandIDs.previewPrompt
      ]) {
        palette.addItem({ command, category, args: { isPalette: true } });
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
