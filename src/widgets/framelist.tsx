/** The list of DataFrames: one option per frame, selectable by mouse or keyboard. */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IFrameInfo } from '../tokens';
import { formatBytes, formatCount } from './format';

export interface IFrameListProps {
  frames: ReadonlyArray<IFrameInfo>;
  selected: string | null;
  onSelect: (name: string) => void;
  /** Enter on a selected row: run the default task. */
  onActivate: (name: string) => void;
  trans: TranslationBundle;
  /** The list is out of date (the kernel is busy); shown dimmed. */
  stale?: boolean;
}

/** The frame list (a `listbox`; arrows move, Enter/Space select). */
export function FrameList(props: IFrameListProps): JSX.Element | null {
  const { frames, selected, onSelect, onActivate, trans } = props;
  const listRef = React.useRef<HTMLUListElement>(null);
  if (frames.length === 0) {
    return null;
  }
  const focusRow = (index: number) => {
    const rows = listRef.current?.querySelectorAll<HTMLElement>(
      '.jp-Llmds-frame'
    );
    if (!rows || rows.length === 0) {
      return;
    }
    const clamped = Math.max(0, Math.min(index, rows.length - 1));
    rows[clamped].focus();
    onSelect(frames[clamped].name);
  };
  const selectedIndex = frames.findIndex(frame => frame.name === selected);
  return (
    <ul
      ref={listRef}
      className={`jp-Llmds-frameList${props.stale ? ' jp-mod-stale' : ''}`}
      role="listbox"
      aria-label={trans.__('DataFrames in the kernel')}
    >
      {frames.map((frame, index) => {
        const isSelected = frame.name === selected;
        const shape = trans.__(
          '%1 × %2',
          formatCount(frame.rows),
          formatCount(frame.columns)
        );
        const memory = formatBytes(frame.memory_bytes);
        const title = memory
          ? trans.__(
              '%1: %2 rows × %3 columns, %4',
              frame.name,
              formatCount(frame.rows),
              formatCount(frame.columns),
              memory
            )
          : trans.__(
              '%1: %2 rows × %3 columns',
              frame.name,
              formatCount(frame.rows),
              formatCount(frame.columns)
            );
        // Roving tab stop: the selected row, or the first one.
        const tabbable =
          isSelected || (selectedIndex < 0 && index === 0) ? 0 : -1;
        return (
          <li
            key={frame.name}
            className={`jp-Llmds-frame${isSelected ? ' jp-mod-selected' : ''}`}
            role="option"
            aria-selected={isSelected}
            tabIndex={tabbable}
            title={title}
            data-frame={frame.name}
            onClick={() => onSelect(frame.name)}
            onKeyDown={event => {
              switch (event.key) {
                case 'ArrowDown':
                  event.preventDefault();
                  focusRow(index + 1);
                  break;
                case 'ArrowUp':
                  event.preventDefault();
                  focusRow(index - 1);
                  break;
                case 'Home':
                  event.preventDefault();
                  focusRow(0);
                  break;
                case 'End':
                  event.preventDefault();
                  focusRow(frames.length - 1);
                  break;
                case ' ':
                  event.preventDefault();
                  onSelect(frame.name);
                  break;
                case 'Enter':
                  event.preventDefault();
                  if (isSelected) {
                    onActivate(frame.name);
                  } else {
                    onSelect(frame.name);
                  }
                  break;
                default:
                  break;
              }
            }}
          >
            <span className="jp-Llmds-frameName">{frame.name}</span>
            {typeof frame.issues === 'number' && frame.issues > 0 && (
              <span
                className="jp-Llmds-frameIssues"
                title={trans._n(
                  '%1 issue found on this frame',
                  '%1 issues found on this frame',
                  frame.issues
                )}
              >
                {trans._n('%1 issue', '%1 issues', frame.issues)}
              </span>
            )}
            <span className="jp-Llmds-frameShape">{shape}</span>
          </li>
        );
      })}
    </ul>
  );
}
