/**
 * The chat view of the Data co-pilot panel: which engine answers, the
 * active notebook's conversation (answers rendered as Markdown while they
 * stream, their code blocks with actions once complete), and the composer.
 */
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  addBelowIcon,
  Button,
  deleteIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type { ChatModel, IChatMessage } from '../chatmodel';
import { AnswerCells } from './chatcode';
import { ChatComposer, taskLabel } from './chatinput';
import { RenderedMarkdown } from './chatmarkdown';
import { formatCount } from './format';
import { withCode } from './text';

/** "openai · gpt-4o-mini · 321 + 45 tokens" under a finished answer. */
function answerFacts(message: IChatMessage, trans: TranslationBundle): string {
  const parts: string[] = [];
  if (message.engine === 'builtin') {
    parts.push(trans.__('offline engine'));
  } else if (message.engine) {
    parts.push(message.engine);
  }
  if (message.model) {
    parts.push(message.model);
  }
  const usage = message.usage;
  if (usage && (usage.prompt !== null || usage.completion !== null)) {
    parts.push(
      trans.__(
        '%1 tokens sent, %2 received',
        formatCount(usage.prompt ?? 0),
        formatCount(usage.completion ?? 0)
      )
    );
  }
  return parts.join(' · ');
}

/** One user message. */
function Question(props: {
  message: IChatMessage;
  trans: TranslationBundle;
}): JSX.Element {
  const { message, trans } = props;
  const frames = message.frames.map(frame => `\`${frame}\``).join(', ');
  const label =
    message.task === 'ask'
      ? ''
      : trans.__('%1 %2', taskLabel(message.task, trans), frames);
  return (
    <div
      className="jp-Llmds-chatMessage jp-mod-user"
      data-role="user"
      data-task={message.task}
    >
      {label && <div className="jp-Llmds-chatTask">{withCode(label)}</div>}
      {message.text && <div className="jp-Llmds-chatText">{message.text}</div>}
    </div>
  );
}

/** One answer: streaming text, then its cells, its status and facts. */
function Answer(props: {
  model: ChatModel;
  message: IChatMessage;
  isLast: boolean;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, message, isLast, rendermime, trans } = props;
  const status = message.status ?? 'done';
  const cells = message.cells ?? [];
  const showCells = cells.length > 0;
  const codeCount = cells.filter(cell => cell.cell_type === 'code').length;
  const facts = answerFacts(message, trans);
  return (
    <div
      className="jp-Llmds-chatMessage jp-mod-assistant"
      data-role="assistant"
      data-status={status}
      aria-busy={status === 'streaming'}
    >
      {showCells ? (
        <AnswerCells
          model={model}
          message={message}
          rendermime={rendermime}
          trans={trans}
        />
      ) : (
        message.text && (
          <RenderedMarkdown
            rendermime={rendermime}
            source={message.text}
            className="jp-Llmds-answerText"
          />
        )
      )}
      {status === 'streaming' && (
        <div className="jp-Llmds-status" role="status">
          <span className="jp-Llmds-spinner" aria-hidden="true" />
          <span>
            {message.text
              ? trans.__('Writing… (Escape stops)')
              : trans.__('Reading the data card and asking…')}
          </span>
        </div>
      )}
      {status === 'stopped' && (
        <div className="jp-Llmds-answerStatus" data-status="stopped">
          {message.interrupted
            ? trans.__(
                'Interrupted: the page was reloaded while this answer arrived.'
              )
            : trans.__('Stopped: the answer above is as far as it got.')}
        </div>
      )}
      {status === 'error' && message.error && (
        <div
          className="jp-Llmds-status jp-mod-error"
          role="alert"
          data-error={message.error.kind}
        >
          <span>{withCode(message.error.message)}</span>
        </div>
      )}
      {(message.notes ?? []).map((note, index) => (
        <p key={index} className="jp-Llmds-answerNote">
          {withCode(note)}
        </p>
      ))}
      <div className="jp-Llmds-answerFooter">
        {facts && <span className="jp-Llmds-answerFacts">{facts}</span>}
        {codeCount > 0 && status === 'done' && (
          <ToolbarButtonComponent
            className="jp-Llmds-insertAll"
            icon={addBelowIcon}
            label={trans.__('Insert all as cells')}
            tooltip={trans.__(
              'Insert the whole answer (text and code) as cells below the active cell'
            )}
            onClick={() => model.insertCells(message, cells)}
          />
        )}
        {isLast &&
          (status === 'error' || status === 'stopped') &&
          !model.isStreaming && (
            <Button
              small
              className="jp-mod-styled jp-mod-reject jp-Llmds-retry"
              onClick={() => void model.retry()}
            >
              {trans.__('Retry')}
            </Button>
          )}
      </div>
    </div>
  );
}

/** What the chat says before the first question. */
function Intro(props: { trans: TranslationBundle }): JSX.Element {
  const { trans } = props;
  return (
    <div className="jp-Llmds-chatIntro">
      <p>
        {withCode(
          trans.__(
            'Ask about the frames in play: the one selected in the Frames list, and any you mention with `@name`. The co-pilot sees their data cards, not the rows themselves.'
          )
        )}
      </p>
      <p className="jp-Llmds-hint">
        {trans.__(
          'Enter sends, Shift+Enter starts a new line, Escape stops an answer.'
        )}
      </p>
    </div>
  );
}

/** The chat view. */
export function ChatView(props: {
  model: ChatModel;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  focusRequest: number;
  onShowCard: (frame: string) => void;
}): JSX.Element {
  const { model, rendermime, trans } = props;
  const logRef = React.useRef<HTMLDivElement>(null);
  const stickRef = React.useRef(true);
  const messages = model.messages;
  const last = messages[messages.length - 1];
  const engine = model.engine;

  // Follow the answer as it grows, unless the user scrolled up to read.
  React.useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stickRef.current) {
      log.scrollTop = log.scrollHeight;
    }
  });

  return (
    <section
      className="jp-Llmds-chat"
      aria-label={trans.__('Chat about the data')}
      onKeyDown={event => {
        if (event.key === 'Escape' && model.isStreaming) {
          event.preventDefault();
          model.stop();
        }
      }}
    >
      <div className="jp-Llmds-chatBar">
        <span className="jp-Llmds-engine" data-engine={engine.name}>
          {engine.name === 'builtin'
            ? trans.__('Offline engine')
            : engine.name
              ? engine.model
                ? trans.__('%1 · %2', engine.name, engine.model)
                : engine.name
              : engine.tasks !== null
                ? trans.__('A language model answers')
                : trans.__('Engine: not known yet')}
        </span>
        <ToolbarButtonComponent
          className="jp-Llmds-clearChat"
          icon={deleteIcon}
          tooltip={trans.__('Clear this notebook’s conversation')}
          enabled={messages.length > 0}
          onClick={() => model.clear()}
        />
      </div>
      {engine.name === 'builtin' && (
        <p className="jp-Llmds-engineHint">
          {trans.__(
            'Answers come from the offline engine; configure a model (README: Using a model) for questions.'
          )}
        </p>
      )}
      {engine.problem && (
        <div className="jp-Llmds-status jp-mod-error" role="alert">
          <span>{withCode(engine.problem)}</span>
        </div>
      )}
      <div
        ref={logRef}
        className="jp-Llmds-chatLog"
        role="log"
        aria-live="polite"
        aria-label={trans.__('Conversation')}
        tabIndex={0}
        onScroll={event => {
          const log = event.currentTarget;
          stickRef.current =
            log.scrollHeight - log.scrollTop - log.clientHeight < 24;
        }}
      >
        {messages.length === 0 && <Intro trans={trans} />}
        {messages.map(message =>
          message.role === 'user' ? (
            <Question key={message.id} message={message} trans={trans} />
          ) : (
            <Answer
              key={message.id}
              model={model}
              message={message}
              isLast={message === last}
              rendermime={rendermime}
              trans={trans}
            />
          )
        )}
      </div>
      <ChatComposer
        model={model}
        trans={trans}
        focusRequest={props.focusRequest}
        onShowCard={props.onShowCard}
      />
    </section>
  );
}
