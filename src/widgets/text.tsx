/** Small text helpers shared by the panel's views. */
import * as React from 'react';

/** Render `code` spans of a (translated) sentence as <code> elements. */
export function withCode(text: string): React.ReactNode[] {
  return text
    .split(/(`[^`]+`)/g)
    .filter(part => part.length > 0)
    .map((part, index) =>
      part.length > 2 && part.startsWith('`') && part.endsWith('`') ? (
        <code key={index}>{part.slice(1, -1)}</code>
      ) : (
        <React.Fragment key={index}>{part}</React.Fragment>
      )
    );
}
