/**
 * The chat's commands: focus the input, stop the answer, clear the
 * conversation, insert the last answer's cells. They are in the palette, and
 * `llmds:chat-focus` has a keyboard shortcut (schema/plugin.json).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import { addBelowIcon, deleteIcon, stopIcon } from '@jupyterlab/ui-components';

import type { ChatModel } from './chatmodel';
import { CommandIDs } from './tokens';
import type { CopilotPanel } from './widgets/sidebar';

export interface IChatCommandsOptions {
  app: JupyterFrontEnd;
  chatModel: ChatModel;
  panel: CopilotPanel;
  trans: TranslationBundle;
}

/** The chat commands' ids, in palette order. */
export const CHAT_COMMANDS = [
  CommandIDs.chatFocus,
  CommandIDs.chatStop,
  CommandIDs.chatClear,
  CommandIDs.chatInsertAll
];

/** Add `llmds:chat-focus`, `llmds:chat-stop`, `llmds:chat-clear` and `llmds:chat-insert-all`. */
export function addChatCommands(options: IChatCommandsOptions): void {
  const { app, chatModel, panel, trans } = options;
  const { commands, shell } = app;

  commands.addCommand(CommandIDs.chatFocus, {
    label: trans.__('Chat with the Data Co-pilot'),
    caption: trans.__(
      'Open the Data co-pilot’s chat and put the cursor in its input'
    ),
    execute: () => {
      shell.activateById(panel.id);
      panel.focusChat();
    }
  });

  commands.addCommand(CommandIDs.chatStop, {
    label: trans.__('Stop the Chat Answer'),
    caption: trans.__('Stop the answer arriving in the Data co-pilot’s chat'),
    icon: args => (args['isPalette'] ? undefined : stopIcon),
    isEnabled: () => chatModel.isStreaming,
    execute: () => {
      chatModel.stop();
    }
  });

  commands.addCommand(CommandIDs.chatClear, {
    label: trans.__('Clear the Chat Conversation'),
    caption: trans.__(
      'Forget the active notebook’s conversation with the Data co-pilot'
    ),
    icon: args => (args['isPalette'] ? undefined : deleteIcon),
    isEnabled: () => chatModel.messages.length > 0,
    execute: () => {
      chatModel.clear();
    }
  });

  commands.addCommand(CommandIDs.chatInsertAll, {
    label: trans.__('Insert the Last Chat Answer as Cells'),
    caption: trans.__(
      'Insert every cell of the chat’s last answer below the active cell'
    ),
    icon: args => (args['isPalette'] ? undefined : addBelowIcon),
    isEnabled: () =>
      chatModel.lastAnswerWithCells() !== null && !chatModel.isStreaming,
    execute: () => {
      const message = chatModel.lastAnswerWithCells();
      if (message) {
        chatModel.insertCells(message, message.cells ?? []);
      }
    }
  });

  // Keep the palette's enabled states in step with the chat (not on every
  // streamed piece: only when what the states depend on changes).
  let last = '';
  chatModel.stateChanged.connect(() => {
    const key = JSON.stringify([
      chatModel.isStreaming,
      chatModel.messages.length,
      chatModel.lastAnswerWithCells()?.id ?? null
    ]);
    if (key !== last) {
      last = key;
      for (const id of CHAT_COMMANDS) {
        commands.notifyCommandChanged(id);
      }
    }
  });
}
