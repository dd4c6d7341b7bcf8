/**
 * "What will be sent": exactly the prompt text the server would send for the
 * selected frame, its estimated size, and what the privacy mode did to it.
 * Nothing is sent anywhere by this view.
 */
import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { CardModel } from '../cardmodel';
import { PRIVACY_MODES, PrivacyMode } from '../tokens';
import { formatCount } from './format';

/** The selector's label of a privacy mode. */
export function privacyLabel(mode: string, trans: TranslationBundle): string {
  switch (mode) {
    case 'schema':
      return trans.__('Schema only');
    case 'redacted':
      return trans.__('Redacted (default)');
    case 'full':
      return trans.__('Full values');
    default:
      return mode;
  }
}

/** One sentence on what a privacy mode sends. */
function privacyHint(mode: string, trans: TranslationBundle): string {
  switch (mode) {
    case 'schema':
      return trans.__('Names, types and counts only; no values.');
    case 'redacted':
      return trans.__(
        'Values are included; personal data is replaced by placeholders.'
      );
    case 'full':
      return trans.__('Values are included as they are.');
    default:
      return '';
  }
}

/** `{email: 12, phone: 3}` -> "12 emails, 3 phone numbers". */
export function maskedText(
  masked: Record<string, number>,
  trans: TranslationBundle
): string {
  const parts: string[] = [];
  for (const [kind, count] of Object.entries(masked)) {
    if (typeof count !== 'number' || count <= 0) {
      continue;
    }
    switch (kind) {
      case 'email':
        parts.push(trans._n('%1 email', '%1 emails', count));
        break;
      case 'phone':
        parts.push(trans._n('%1 phone number', '%1 phone numbers', count));
        break;
      case 'card':
        parts.push(trans._n('%1 card number', '%1 card numbers', count));
        break;
      case 'national_id':
        parts.push(trans._n('%1 national ID', '%1 national IDs', count));
        break;
      case 'ip':
        parts.push(trans._n('%1 IP address', '%1 IP addresses', count));
        break;
      default:
        parts.push(
          trans._n('%1 %2 value', '%1 %2 values', count, kind.replace(/_/g, ' '))
        );
        break;
    }
  }
  return parts.join(', ');
}

/** The prompt preview of the selected frame. */
export function PromptView(props: {
  model: CardModel;
  trans: TranslationBundle;
  idPrefix: string;
}): JSX.Element | null {
  const { model, trans, idPrefix } = props;
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);

  const reply = model.reply;
  const privacy = reply?.card.privacy;
  const locked = model.locked;
  const mode = locked ? model.effectivePrivacy : model.privacy;
  const masked = privacy ? maskedText(privacy.masked ?? {}, trans) : '';
  const excluded = privacy?.excluded ?? [];
  const selectId = `${idPrefix}-privacy`;
  const tokens = reply?.tokens;
  const budget = reply?.budget ?? model.budget;

  return (
    <div className="jp-Llmds-preview">
      <p className="jp-Llmds-previewNote">
        {trans.__('Nothing has been sent. This is what an LLM would receive.')}
      </p>
      <div className="jp-Llmds-privacy">
        <label htmlFor={selectId}>{trans.__('Privacy')}</label>
        <select
          id={selectId}
          className="jp-Llmds-privacySelect"
          value={mode}
          disabled={locked}
          aria-describedby={`${selectId}-hint`}
          onChange={event =>
            model.setPrivacy(event.currentTarget.value as PrivacyMode)
          }
        >
          {PRIVACY_MODES.map(option => (
            <option key={option} value={option}>
              {privacyLabel(option, trans)}
            </option>
          ))}
        </select>
        {locked && (
          <span className="jp-Llmds-locked">
            {trans.__('set by your administrator')}
          </span>
        )}
      </div>
      <p className="jp-Llmds-hint" id={`${selectId}-hint`}>
        {privacyHint(mode, trans)}
      </p>
      {masked && (
        <p className="jp-Llmds-masked">
          {trans.__('%1 replaced by placeholders', masked)}
        </p>
      )}
      {excluded.length > 0 && (
        <p className="jp-Llmds-excluded">
          {trans._n(
            'Excluded column (its values never leave the kernel):',
            'Excluded columns (their values never leave the kernel):',
            excluded.length
          )}{' '}
          {excluded.map(name => (
            <code key={name}>{name}</code>
          ))}
        </p>
      )}
      {reply && (
        <>
          <div className="jp-Llmds-promptBar">
            <span
              className="jp-Llmds-tokens"
              title={trans.__('An estimate: every model counts tokens its own way.')}
            >
              {typeof tokens === 'number'
                ? trans.__(
                    '≈ %1 tokens of %2',
                    formatCount(tokens),
                    formatCount(budget)
                  )
                : trans.__('budget %1 tokens', formatCount(budget))}
            </span>
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-mod-reject jp-Llmds-copy"
              onClick={() => {
                Clipboard.copyToSystem(reply.prompt);
                setCopied(true);
              }}
            >
              {copied ? trans.__('Copied') : trans.__('Copy')}
            </button>
          </div>
          <pre
            className="jp-Llmds-prompt"
            data-mode={privacy?.mode ?? ''}
            tabIndex={0}
            aria-label={trans.__('The prompt text for %1', reply.card.name)}
          >
            {reply.prompt}
          </pre>
        </>
      )}
    </div>
  );
}
