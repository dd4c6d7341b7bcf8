/** The "Data co-pilot" side bar panel: the Frames view and the Chat view. */
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, refreshIcon, UseSignal } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import type { CardModel } from '../cardmodel';
import type { ChatModel } from '../chatmodel';
import type { FramesModel } from '../model';
import { CommandIDs } from '../tokens';
import { ChatView } from './chat';
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

/** The views of the panel. */
export type PanelView = 'frames' | 'chat';

const VIEWS: ReadonlyArray<PanelView> = ['frames', 'chat'];

/** The Frames | Chat switch (a tablist; arrows move between the tabs). */
function ViewSwitch(props: {
  view: PanelView;
  onView: (view: PanelView) => void;
  trans: TranslationBundle;
  streaming: boolean;
}): JSX.Element {
  const { view, onView, trans } = props;
  const refs = React.useRef<Array<HTMLButtonElement | null>>([]);
  const labels: Record<PanelView, string> = {
    frames: trans.__('Frames'),
    chat: trans.__('Chat')
  };
  return (
    <div
      className="jp-Llmds-tabs jp-Llmds-viewSwitch"
      role="tablist"
      aria-label={trans.__('Data co-pilot views')}
    >
      {VIEWS.map((tab, index) => (
        <button
          key={tab}
          ref={element => {
            refs.current[index] = element;
          }}
          type="button"
          role="tab"
          id={`jp-Llmds-view-${tab}`}
          className={`jp-Llmds-tab${view === tab ? ' jp-mod-current' : ''}`}
          aria-selected={view === tab}
          aria-controls={`jp-Llmds-view-${tab}-panel`}
          tabIndex={view === tab ? 0 : -1}
          data-view={tab}
          onClick={() => onView(tab)}
          onKeyDown={event => {
            if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
              event.preventDefault();
              const step = event.key === 'ArrowRight' ? 1 : VIEWS.length - 1;
              const next = (index + step) % VIEWS.length;
              onView(VIEWS[next]);
              refs.current[next]?.focus();
            }
          }}
        >
          {labels[tab]}
          {tab === 'chat' && props.streaming && view !== 'chat' && (
            <span
              className="jp-Llmds-spinner jp-Llmds-tabSpinner"
              aria-label={trans.__('an answer is arriving')}
            />
          )}
        </button>
      ))}
    </div>
  );
}

/** The panel's React content. */
function CopilotView(props: {
  model: FramesModel;
  cardModel: CardModel | null;
  commands: CommandRegistry;
  trans: TranslationBundle;
  chat: {
    model: ChatModel;
    rendermime: IRenderMimeRegistry;
    view: PanelView;
    onView: (view: PanelView) => void;
    focusRequest: number;
  } | null;
}): JSX.Element {
  const { model, cardModel, commands, trans, chat } = props;
  return (
    <div
      className={`jp-Llmds-content${
        chat !== null && chat.view === 'chat' ? ' jp-mod-chat' : ''
      }`}
    >
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
      {chat !== null && (
        <UseSignal signal={chat.model.stateChanged}>
          {() => (
            <ViewSwitch
              view={chat.view}
              onView={chat.onView}
              trans={trans}
              streaming={chat.model.isStreaming}
            />
          )}
        </UseSignal>
      )}
      {chat !== null && chat.view === 'chat' ? (
        <div
          id="jp-Llmds-view-chat-panel"
          role="tabpanel"
          aria-labelledby="jp-Llmds-view-chat"
          className="jp-Llmds-viewPanel jp-mod-chat"
        >
          <UseSignal signal={chat.model.stateChanged}>
            {() => (
              <ChatView
                model={chat.model}
                rendermime={chat.rendermime}
                trans={trans}
                focusRequest={chat.focusRequest}
                onShowCard={frame => {
                  chat.onView('frames');
                  void commands.execute(CommandIDs.previewPrompt, { frame });
                }}
              />
            )}
          </UseSignal>
        </div>
      ) : (
        <FramesContent
          model={model}
          cardModel={cardModel}
          commands={commands}
          trans={trans}
          tabbed={chat !== null}
        />
      )}
    </div>
  );
}

/** The Frames view: status, frame list, Clean / Validate, the selected frame's details. */
function FramesContent(props: {
  model: FramesModel;
  cardModel: CardModel | null;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** Whether it is one tab of the Frames | Chat switch. */
  tabbed: boolean;
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
    <div
      id={props.tabbed ? 'jp-Llmds-view-frames-panel' : undefined}
      role={props.tabbed ? 'tabpanel' : undefined}
      aria-labelledby={props.tabbed ? 'jp-Llmds-view-frames' : undefined}
      className="jp-Llmds-viewPanel jp-mod-frames"
    >
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
    this._chatModel = options.chatModel ?? null;
    this._rendermime = options.rendermime ?? null;
    this._commands = options.commands;
    this._trans = options.trans;
    this.addClass('jp-Llmds-panel');
  }

  /** The view on show: the frames or the chat. */
  get view(): PanelView {
    return this._view;
  }

  /** Emitted when the view changes. */
  get viewChanged(): ISignal<this, PanelView> {
    return this._viewChanged;
  }

  /** Whether the panel has a chat (it needs the chat model and rendermime). */
  get hasChat(): boolean {
    return this._chatModel !== null && this._rendermime !== null;
  }

  /** Show the frames or the chat. */
  setView(view: PanelView): void {
    if (view === 'chat' && !this.hasChat) {
      return;
    }
    if (view !== this._view) {
      this._view = view;
      this._syncChatVisibility();
      this._viewChanged.emit(view);
      this.update();
    }
  }

  /** Show the chat and put the keyboard focus in its input. */
  focusChat(): void {
    this.setView('chat');
    this._focusRequest++;
    this.update();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._syncChatVisibility();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._syncChatVisibility();
  }

  protected render(): JSX.Element {
    const chatModel = this._chatModel;
    const rendermime = this._rendermime;
    const chat =
      chatModel !== null && rendermime !== null
        ? {
            model: chatModel,
            rendermime,
            view: this._view,
            onView: (view: PanelView) => this.setView(view),
            focusRequest: this._focusRequest
          }
        : null;
    return (
      <UseSignal signal={this._model.stateChanged}>
        {() => (
          <CopilotView
            model={this._model}
            cardModel={this._cardModel}
            commands={this._commands}
            trans={this._trans}
            chat={chat}
          />
        )}
      </UseSignal>
    );
  }

  /** The chat reads cards in the kernel only while it is on screen. */
  private _syncChatVisibility(): void {
    this._chatModel?.setVisible(this.isVisible && this._view === 'chat');
  }

  private _chatModel: ChatModel | null;
  private _rendermime: IRenderMimeRegistry | null;
  private _view: PanelView = 'frames';
  private _focusRequest = 0;
  private _viewChanged = new Signal<this, PanelView>(this);

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
    /** The chat; without it (or without rendermime) the panel has no Chat view. */
    chatModel?: ChatModel;
    /** Renders the chat's Markdown. */
    rendermime?: IRenderMimeRegistry;
    commands: CommandRegistry;
    trans: TranslationBundle;
  }
}
