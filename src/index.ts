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
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CardModel } from './cardmodel';
import { addChatCommands, CHAT_COMMANDS } from './chatcommands';
import { ChatModel } from './chatmodel';
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
  optional: [
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    IRenderMimeRegistry,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    rendermime: IRenderMimeRegistry | null,
    state: IStateDB | null
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
    // The chat keeps one conversation per notebook in the state database
    // (saved with the workspace), so it survives a page reload.
    const chatModel = new ChatModel({
      frames: model,
      trans,
      serverSettings: app.serviceManager.serverSettings,
      state,
      // what the chat sends follows the sidebar's privacy mode and budget
      sendOptions: () => ({
        privacy: cardModel.privacy,
        budget: cardModel.budget,
        schema: cardModel.schemaLibrary
      })
    });
    cardModel.stateChanged.connect(() => chatModel.sendOptionsChanged());
    const panel = new CopilotPanel({
      model,
      cardModel,
      chatModel,
      rendermime: rendermime ?? undefined,
      commands: app.commands,
      trans
    });
    panel.id = SIDEBAR_ID;
    panel.title.icon = copilotIcon;
    panel.title.caption = trans.__('Data co-pilot');
    panel.disposed.connect(() => {
      chatModel.dispose();
      cardModel.dispose();
      model.dispose();
    });

    addCommands({ app, model, cardModel, panel, trans });
    if (panel.hasChat) {
      addChatCommands({ app, chatModel, panel, trans });
    }

    // The settings are optional: without the registry the defaults apply.
    if (settingRegistry) {
      const apply = (settings: ISettingRegistry.ISettings) => {
        cardModel.configure({
          privacy: settings.get('privacyMode').composite,
          budget: settings.get('cardBudget').composite,
          schemaLibrary: settings.get('checksLibrary').composite
        });
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
          cardModel.privacyChosen.connect((_, mode) => {
            if (settings.get('privacyMode').composite !== mode) {
              settings.set('privacyMode', mode).catch(reason => {
                console.warn(
                  'jupyterlab-llmds: could not keep the privacy mode in the settings.',
                  reason
                );
              });
            }
          });
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
      if (panel.hasChat) {
        for (const command of CHAT_COMMANDS) {
          palette.addItem({ command, category, args: { isPalette: true } });
        }
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
