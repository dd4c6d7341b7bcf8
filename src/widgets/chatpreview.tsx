/**
 * The preview of one code block, under the block: each attempt's report
 * (rendered Markdown from the server), a status badge, and Insert / Discard;
 * flagged code shows why and a "Preview anyway" button, never a run.
 */
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Button, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { PreviewRun } from '../preview';
import { fenced, RenderedMarkdown } from './chatmarkdown';
import { withCode } from './text';

/** The badge text of a status. */
export function statusLabel(status: string, trans: TranslationBundle): string {
  switch (status) {
    case 'ok':
      return trans.__('ok');
    case 'warned':
      return trans.__('warnings');
    case 'failed':
      return trans.__('failed');
    case 'timeout':
      return trans.__('timed out');
    case 'flagged':
      return trans.__('flagged');
    default:
      return status;
  }
}

/** A status badge (`data-status` carries the raw status for styling and tests). */
function Badge(props: { status: string; text: string }): JSX.Element {
  return (
    <span className="jp-Llmds-badge" data-status={props.status}>
      {props.text}
    </span>
  );
}

/**
 * A report split into its first line, when that is a Markdown heading (the
 * attempt's title, shown beside its badge), and the rest.
 */
export function splitHeading(markdown: string): { title: string; body: string } {
  const match = /^\s*#{1,6}[ \t]+(.+?)[ \t#]*(?:\n|$)/.exec(markdown);
  if (!match) {
    return { title: '', body: markdown };
  }
  return { title: match[1], body: markdown.slice(match[0].length) };
}

/** The one-line summary of a finished preview. */
function outcome(run: PreviewRun, trans: TranslationBundle): string {
  const count = run.attemptCount;
  if (run.repaired && (run.status === 'ok' || run.status === 'warned')) {
    return trans._n(
      'Repaired in %1 attempt',
      'Repaired in %1 attempts',
      count
    );
  }
  switch (run.status) {
    case 'ok':
      return trans.__('Ran on a copy without errors');
    case 'warned':
      return trans.__('Ran on a copy, with warnings');
    case 'timeout':
      return trans.__('Stopped at the time limit');
    case 'flagged':
      return trans.__('Not run: the safety check flagged the code');
    default:
      return count > 1
        ? trans._n(
            'Still failing after %1 attempt',
            'Still failing after %1 attempts',
            count
          )
        : trans.__('Failed on the copy');
  }
}

/** The preview panel of a code block. */
export function PreviewPanel(props: {
  run: PreviewRun;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  onInsert: (code: string) => void;
  onDiscard: () => void;
  onAllowFlagged: () => void;
}): JSX.Element {
  const { run, rendermime, trans } = props;
  return (
    <UseSignal signal={run.changed}>
      {() => (
        <section
          className="jp-Llmds-previewRun"
          data-phase={run.phase}
          data-status={run.status}
          aria-label={trans.__('Preview on a copy of %1', run.target.frame)}
          aria-busy={run.isRunning}
        >
          <header className="jp-Llmds-previewRunHeader">
            <span className="jp-Llmds-previewRunTitle">
              {withCode(
                trans.__('Preview on a copy of `%1`', run.target.frame)
              )}
            </span>
            {run.phase === 'done' && (
              <Badge
                status={run.repaired ? 'repaired' : run.status}
                text={outcome(run, trans)}
              />
            )}
          </header>
          {run.attempts.map(attempt => {
            const { title, body } = splitHeading(attempt.markdown);
            return (
            <div
              key={attempt.attempt}
              className="jp-Llmds-attempt"
              data-attempt={attempt.attempt}
              data-status={attempt.status}
            >
              <div className="jp-Llmds-attemptHeader">
                <span>
                  {title
                    ? withCode(title)
                    : trans.__('Attempt %1', attempt.attempt)}
                </span>
                <Badge
                  status={attempt.status}
                  text={statusLabel(attempt.status, trans)}
                />
              </div>
              {attempt.attempt > 1 && attempt.code && (
                <details className="jp-Llmds-attemptCode">
                  <summary>{trans.__('The repaired code')}</summary>
                  <RenderedMarkdown
                    rendermime={rendermime}
                    source={fenced(attempt.code)}
                  />
                </details>
              )}
              {body.trim() && (
                <RenderedMarkdown
                  rendermime={rendermime}
                  source={body}
                  className="jp-Llmds-report"
                />
              )}
            </div>
            );
          })}
          {run.safetyMarkdown &&
            !run.attempts.some(attempt => attempt.status === 'flagged') && (
            <div className="jp-Llmds-safety" role="alert">
              <RenderedMarkdown
                rendermime={rendermime}
                source={run.safetyMarkdown}
                className="jp-Llmds-report"
              />
            </div>
          )}
          {run.isRunning && (
            <div className="jp-Llmds-status" role="status">
              <span className="jp-Llmds-spinner" aria-hidden="true" />
              <span>
                {run.repairing > 0
                  ? trans.__(
                      'The model is writing a fix (attempt %1)…',
                      run.repairing
                    )
                  : withCode(
                      trans.__(
                        'Running the code on a copy of `%1`…',
                        run.target.frame
                      )
                    )}
              </span>
            </div>
          )}
          {run.error && (run.phase === 'error' || run.phase === 'done') && (
            <div className="jp-Llmds-status jp-mod-error" role="alert">
              <span>{withCode(run.error)}</span>
            </div>
          )}
          {run.phase === 'done' && run.outcome && (
            <p className="jp-Llmds-previewOutcome">{withCode(run.outcome)}</p>
          )}
          {run.phase === 'stopped' && (
            <div className="jp-Llmds-status" role="status">
              <span>{trans.__('Preview stopped.')}</span>
            </div>
          )}
          <div className="jp-Llmds-previewActions">
            {run.isRunning ? (
              <Button
                small
                className="jp-mod-styled jp-mod-reject"
                onClick={() => run.stop()}
              >
                {trans.__('Stop preview')}
              </Button>
            ) : (
              <>
                {run.phase === 'flagged' && (
                  <Button
                    small
                    className="jp-mod-styled jp-mod-warn jp-Llmds-previewAnyway"
                    title={trans.__(
                      'Run the flagged code on a copy anyway; your own data is not touched, but the code may do what the check found.'
                    )}
                    onClick={props.onAllowFlagged}
                  >
                    {trans.__('Preview anyway')}
                  </Button>
                )}
                {run.phase === 'done' && (
                  <Button
                    small
                    className="jp-mod-styled jp-mod-accept jp-Llmds-previewInsert"
                    title={
                      run.repaired
                        ? trans.__(
                            'Insert the repaired code below the active cell'
                          )
                        : trans.__('Insert the code below the active cell')
                    }
                    onClick={() => props.onInsert(run.finalCode)}
                  >
                    {run.repaired
                      ? trans.__('Insert repaired code')
                      : trans.__('Insert')}
                  </Button>
                )}
                <Button
                  small
                  className="jp-mod-styled jp-mod-reject jp-Llmds-previewDiscard"
                  onClick={props.onDiscard}
                >
                  {trans.__('Discard')}
                </Button>
              </>
            )}
          </div>
        </section>
      )}
    </UseSignal>
  );
}
