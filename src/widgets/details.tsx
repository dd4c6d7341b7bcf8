/**
 * The selected frame's details under the frame list: two tabs, its card and
 * "What will be sent" (the prompt preview).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { CardModel, DetailsView } from '../cardmodel';
import { CardView } from './card';
import { PromptView } from './prompt';
import { withCode } from './text';

const TABS: ReadonlyArray<DetailsView> = ['card', 'prompt'];

/** The tabs and the view of the selected frame (nothing without a selection). */
export function FrameDetails(props: {
  model: CardModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const tabRefs = React.useRef<Array<HTMLButtonElement | null>>([]);
  const frame = model.frame;
  if (frame === null) {
    return null;
  }
  const idPrefix = 'jp-Llmds-details';
  const view = model.view;
  const labels: Record<DetailsView, string> = {
    card: trans.__('Card'),
    prompt: trans.__('What will be sent')
  };
  const reply = model.reply;
  const loading = model.phase === 'loading';
  const stale = loading && reply !== null;

  const onKeyDown = (event: React.KeyboardEvent, index: number) => {
    let next = -1;
    if (event.key === 'ArrowRight') {
      next = (index + 1) % TABS.length;
    } else if (event.key === 'ArrowLeft') {
      next = (index + TABS.length - 1) % TABS.length;
    } else if (event.key === 'Home') {
      next = 0;
    } else if (event.key === 'End') {
      next = TABS.length - 1;
    }
    if (next >= 0) {
      event.preventDefault();
      model.setView(TABS[next]);
      tabRefs.current[next]?.focus();
    }
  };

  return (
    <section
      className="jp-Llmds-details"
      data-frame={frame}
      data-phase={model.phase}
      aria-label={trans.__('Details of %1', frame)}
    >
      <div className="jp-Llmds-tabs" role="tablist">
        {TABS.map((tab, index) => (
          <button
            key={tab}
            ref={element => {
              tabRefs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${tab}`}
            className={`jp-Llmds-tab${view === tab ? ' jp-mod-current' : ''}`}
            aria-selected={view === tab}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={view === tab ? 0 : -1}
            data-view={tab}
            onClick={() => model.setView(tab)}
            onKeyDown={event => onKeyDown(event, index)}
          >
            {labels[tab]}
          </button>
        ))}
      </div>
      <div
        className={`jp-Llmds-detailsPanel${stale ? ' jp-mod-stale' : ''}`}
        id={`${idPrefix}-panel`}
        role="tabpanel"
        aria-labelledby={`${idPrefix}-tab-${view}`}
        aria-busy={loading}
      >
        {loading && (
          <div className="jp-Llmds-status" role="status">
            <span className="jp-Llmds-spinner" aria-hidden="true" />
            <span>
              {withCode(trans.__('Reading the card of `%1`…', frame))}
            </span>
          </div>
        )}
        {model.phase === 'error' && (
          <div
            className="jp-Llmds-status jp-mod-error"
            role="alert"
            data-error={model.errorKind}
          >
            <span>{withCode(model.message)}</span>
          </div>
        )}
        {reply !== null && view === 'card' && (
          <CardView
            key={`${frame}:${reply.card.name}`}
            card={reply.card}
            trans={trans}
            idPrefix={`${idPrefix}-card`}
          />
        )}
        {(reply !== null || model.phase !== 'error') && view === 'prompt' && (
          <PromptView model={model} trans={trans} idPrefix={idPrefix} />
        )}
      </div>
    </section>
  );
}
