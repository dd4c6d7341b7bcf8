/**
 * The chat's composer: the frames in play (chips), what will be sent, the
 * quick actions, and the input with its `@` mention autocomplete.
 *
 * Keys: Enter sends, Shift+Enter is a new line, Escape stops the answer (or
 * closes the mention popup); in the popup, arrows move, Enter or Tab pick.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  closeIcon,
  stopIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  completeMention,
  IMentionQuery,
  mentionAt,
  mentionCandidates,
  removeMention
} from '../chatcontext';
import type { ChatModel, ISendCard } from '../chatmodel';
import type { ChatTask } from '../tokens';
import { formatCount } from './format';
import { withCode } from './text';

/** The quick actions, in order. */
const QUICK_ACTIONS: ReadonlyArray<ChatTask> = [
  'clean',
  'features',
  'validate',
  'model',
  'explain'
];

/** A quick action's button label. */
export function taskLabel(task: ChatTask, trans: TranslationBundle): string {
  switch (task) {
    case 'ask':
      return trans.__('Ask');
    case 'clean':
      return trans.__('Clean');
    case 'features':
      return trans.__('Features');
    case 'validate':
      return trans.__('Validate');
    case 'model':
      return trans.__('Model');
    case 'explain':
      return trans.__('Explain');
  }
}

/** What a quick action does, for its tooltip. */
function taskCaption(task: ChatTask, trans: TranslationBundle): string {
  switch (task) {
    case 'clean':
      return trans.__('Write cleaning code for the frames in play');
    case 'features':
      return trans.__('Propose and write feature-engineering code');
    case 'validate':
      return trans.__('Write checks that fail when the data is not clean');
    case 'model':
      return trans.__(
        'Write a scikit-learn pipeline (name the target column in the input)'
      );
    case 'explain':
      return trans.__(
        'Explain a trained model in plain words (name it in the input)'
      );
    default:
      return '';
  }
}

/** A privacy mode in the middle of a sentence. */
function modeName(mode: string, trans: TranslationBundle): string {
  switch (mode) {
    case 'schema':
      return trans.__('schema only (no values)');
    case 'redacted':
      return trans.__('redacted');
    case 'full':
      return trans.__('full values');
    default:
      return mode;
  }
}

/** "Sends the card of df: ≈ 812 tokens, redacted." */
function sendSummary(
  cards: ISendCard[],
  model: ChatModel,
  trans: TranslationBundle
): React.ReactNode {
  if (cards.length === 0) {
    return null;
  }
  if (model.engine.name === 'builtin') {
    return withCode(
      trans._n(
        'The offline engine reads the card of %2 on this server; nothing is sent to a model.',
        'The offline engine reads the cards of %2 on this server; nothing is sent to a model.',
        cards.length,
        cards.map(card => `\`${card.frame}\``).join(', ')
      )
    );
  }
  const loading = cards.some(card => card.phase === 'loading');
  const failed = cards.find(card => card.phase === 'error');
  const tokens = cards.reduce((sum, card) => sum + (card.tokens ?? 0), 0);
  const modes = [...new Set(cards.map(card => card.privacy).filter(Boolean))];
  const names = cards.map(card => `\`${card.frame}\``).join(', ');
  if (failed && !loading) {
    return withCode(
      trans.__('The card of `%1` could not be read: %2', failed.frame, failed.message)
    );
  }
  if (loading && tokens === 0) {
    return withCode(trans.__('Reading what will be sent about %1…', names));
  }
  return withCode(
    trans._n(
      'Sends the card of %2: ≈ %3 tokens, %4.',
      'Sends the cards of %2: ≈ %3 tokens in all, %4.',
      cards.length,
      names,
      formatCount(tokens),
      modes.map(mode => modeName(mode, trans)).join(', ') ||
        trans.__('the server’s privacy mode')
    )
  );
}

/** The composer under the conversation. */
export function ChatComposer(props: {
  model: ChatModel;
  trans: TranslationBundle;
  /** Changes whenever the input should take the focus. */
  focusRequest: number;
  /** Show the card of a frame in the Frames view ("what will be sent"). */
  onShowCard: (frame: string) => void;
}): JSX.Element {
  const { model, trans, focusRequest } = props;
  const inputRef = React.useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = React.useState(0);
  const [active, setActive] = React.useState(0);
  const [dismissed, setDismissed] = React.useState(-1);
  const draft = model.draft;
  const names = model.frameNames;
  const mention: IMentionQuery | null = mentionAt(draft, caret);
  const candidates = mention ? mentionCandidates(mention.query, names) : [];
  const popupOpen =
    mention !== null && candidates.length > 0 && dismissed !== mention.start;
  const activeIndex = Math.min(active, Math.max(0, candidates.length - 1));
  const listId = 'jp-Llmds-mentionList';
  const streaming = model.isStreaming;
  const inPlay = model.framesInPlay;
  const selected = model.frames.selected;
  const askBlocker = model.blocker('ask');

  React.useEffect(() => {
    if (focusRequest > 0) {
      inputRef.current?.focus();
    }
  }, [focusRequest]);

  // Grow with the text, up to the CSS max-height.
  React.useLayoutEffect(() => {
    const input = inputRef.current;
    if (input) {
      // Empty: one line (a wrapped placeholder must not make it tall).
      input.style.height = 'auto';
      if (draft.length > 0) {
        input.style.height = `${input.scrollHeight}px`;
      }
    }
  }, [draft]);

  const syncCaret = () => {
    const input = inputRef.current;
    if (input) {
      setCaret(input.selectionStart ?? input.value.length);
    }
  };

  const pick = (name: string) => {
    if (!mention) {
      return;
    }
    const next = completeMention(draft, caret, mention, name);
    model.setDraft(next.text);
    setCaret(next.caret);
    setActive(0);
    window.requestAnimationFrame(() => {
      const input = inputRef.current;
      if (input) {
        input.focus();
        input.setSelectionRange(next.caret, next.caret);
      }
    });
  };

  const send = (task: ChatTask) => {
    void model.send(task);
    setActive(0);
    setDismissed(-1);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) {
      return;
    }
    if (popupOpen && mention) {
      switch (event.key) {
        case 'ArrowDown':
          event.preventDefault();
          setActive((activeIndex + 1) % candidates.length);
          return;
        case 'ArrowUp':
          event.preventDefault();
          setActive((activeIndex + candidates.length - 1) % candidates.length);
          return;
        case 'Enter':
        case 'Tab':
          event.preventDefault();
          pick(candidates[activeIndex]);
          return;
        case 'Escape':
          event.preventDefault();
          event.stopPropagation();
          setDismissed(mention.start);
          return;
        default:
          break;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      if (!streaming) {
        send('ask');
      }
      return;
    }
    if (event.key === 'Escape' && streaming) {
      event.preventDefault();
      event.stopPropagation();
      model.stop();
    }
  };

  const cards = model.sendCards;
  return (
    <div className="jp-Llmds-composer">
      {inPlay.length > 0 && (
        <div
          className="jp-Llmds-inPlay"
          aria-label={trans.__('Frames in play')}
          role="group"
        >
          {inPlay.map(frame => {
            const isSelection = frame === selected;
            return (
              <span
                key={frame}
                className="jp-Llmds-frameChip"
                data-frame={frame}
                data-source={isSelection ? 'selected' : 'mention'}
                title={
                  isSelection
                    ? trans.__('Selected in the Frames list')
                    : trans.__('Mentioned with @%1', frame)
                }
              >
                <button
                  type="button"
                  className="jp-Llmds-frameChipName"
                  onClick={() => props.onShowCard(frame)}
                  title={trans.__('Show what will be sent about %1', frame)}
                >
                  {isSelection ? frame : `@${frame}`}
                </button>
                {!isSelection && (
                  <button
                    type="button"
                    className="jp-Llmds-frameChipRemove"
                    aria-label={trans.__('Remove the mention of %1', frame)}
                    onClick={() => model.setDraft(removeMention(draft, frame))}
                  >
                    <closeIcon.react tag="span" />
                  </button>
                )}
              </span>
            );
          })}
        </div>
      )}
      {cards.length > 0 && (
        <p className="jp-Llmds-sendPreview" role="status">
          {sendSummary(cards, model, trans)}
        </p>
      )}
      <div
        className="jp-Llmds-quickActions"
        role="group"
        aria-label={trans.__('Quick actions')}
      >
        {QUICK_ACTIONS.map(task => {
          const blocker = model.blocker(task);
          return (
            <Button
              key={task}
              small
              minimal
              className="jp-Llmds-quickAction"
              data-task={task}
              disabled={blocker !== ''}
              title={blocker || taskCaption(task, trans)}
              onClick={() => send(task)}
            >
              {taskLabel(task, trans)}
            </Button>
          );
        })}
      </div>
      <div className="jp-Llmds-inputRow">
        {popupOpen && (
          <ul
            id={listId}
            className="jp-Llmds-mentionList"
            role="listbox"
            aria-label={trans.__('DataFrames to mention')}
          >
            {candidates.map((name, index) => (
              <li
                key={name}
                id={`${listId}-${index}`}
                role="option"
                aria-selected={index === activeIndex}
                className={`jp-Llmds-mentionOption${
                  index === activeIndex ? ' jp-mod-active' : ''
                }`}
                onMouseDown={event => {
                  // Keep the focus (and the caret) in the input.
                  event.preventDefault();
                  pick(name);
                }}
                onMouseEnter={() => setActive(index)}
              >
                {name}
              </li>
            ))}
          </ul>
        )}
        <textarea
          ref={inputRef}
          className="jp-Llmds-chatInput"
          rows={1}
          value={draft}
          placeholder={
            model.engine.name === 'builtin'
              ? trans.__(
                  'The offline engine answers Clean and Validate; configure a model for questions'
                )
              : trans.__('Ask about your data; @ to mention a DataFrame')
          }
          aria-label={trans.__('Message to the Data co-pilot')}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={popupOpen}
          aria-controls={popupOpen ? listId : undefined}
          aria-activedescendant={
            popupOpen ? `${listId}-${activeIndex}` : undefined
          }
          onChange={event => {
            model.setDraft(event.currentTarget.value);
            setCaret(event.currentTarget.selectionStart ?? 0);
            setActive(0);
          }}
          onSelect={syncCaret}
          onKeyUp={syncCaret}
          onClick={syncCaret}
          onKeyDown={onKeyDown}
        />
        {streaming ? (
          <ToolbarButtonComponent
            className="jp-Llmds-stop"
            icon={stopIcon}
            label={trans.__('Stop')}
            tooltip={trans.__('Stop the answer (Escape)')}
            onClick={() => model.stop()}
          />
        ) : (
          <Button
            small
            className="jp-mod-styled jp-mod-accept jp-Llmds-send"
            disabled={draft.trim().length === 0 || askBlocker !== ''}
            title={askBlocker || trans.__('Send (Enter); Shift+Enter for a new line')}
            onClick={() => send('ask')}
          >
            {trans.__('Send')}
          </Button>
        )}
      </div>
      {model.notice && (
        <p
          className={`jp-Llmds-notice${
            model.notice.kind === 'error' ? ' jp-mod-error' : ''
          }`}
          role={model.notice.kind === 'error' ? 'alert' : 'status'}
        >
          {withCode(model.notice.text)}
        </p>
      )}
    </div>
  );
}
