/**
 * Markdown rendered by JupyterLab's own rendermime `text/markdown` renderer
 * (the notebook's look: highlighted code, tables, sanitized HTML), inside
 * React. While an answer streams its text changes many times a second: the
 * renderer runs at most once per `throttleMs`, and never twice at once.
 */
import { MimeModel, type IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import * as React from 'react';

/** The markdown mimetype. */
const MARKDOWN = 'text/markdown';

/** How often a changing text is rendered again, at most. */
export const RENDER_INTERVAL_MS = 100;

/** Fence `code` as a Markdown code block of `language` (a fence longer than any backtick run inside). */
export function fenced(code: string, language = 'python'): string {
  const longest = Math.max(
    0,
    ...(code.match(/`+/g) ?? []).map(run => run.length)
  );
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}

/** Markdown from a language model, rendered as untrusted (sanitized) content. */
export function RenderedMarkdown(props: {
  rendermime: IRenderMimeRegistry;
  source: string;
  className?: string;
  /** Render at most this often while `source` changes (default 100 ms). */
  throttleMs?: number;
}): JSX.Element {
  const { rendermime, source, className } = props;
  const throttleMs = props.throttleMs ?? RENDER_INTERVAL_MS;
  const hostRef = React.useRef<HTMLDivElement>(null);
  const state = React.useRef<{
    renderer: IRenderMime.IRenderer | null;
    wanted: string;
    rendered: string | null;
    busy: boolean;
    last: number;
    timer: number | null;
    disposed: boolean;
  }>({
    renderer: null,
    wanted: source,
    rendered: null,
    busy: false,
    last: 0,
    timer: null,
    disposed: false
  });

  /** Render the wanted text now, or schedule it when too soon or busy. */
  const pump = React.useCallback(() => {
    const current = state.current;
    if (current.disposed || current.renderer === null || current.busy) {
      return;
    }
    if (current.wanted === current.rendered) {
      return;
    }
    const wait = current.last + throttleMs - Date.now();
    if (wait > 0) {
      if (current.timer === null) {
        current.timer = window.setTimeout(() => {
          current.timer = null;
          pump();
        }, wait);
      }
      return;
    }
    const text = current.wanted;
    current.busy = true;
    current.last = Date.now();
    const model = new MimeModel({ data: { [MARKDOWN]: text }, trusted: false });
    current.renderer
      .renderModel(model)
      .catch(reason =>
        console.warn('jupyterlab-llmds: could not render markdown', reason)
      )
      .then(() => {
        current.busy = false;
        current.rendered = text;
        pump();
      });
  }, [throttleMs]);

  React.useEffect(() => {
    const current = state.current;
    const host = hostRef.current;
    if (host === null) {
      return;
    }
    current.disposed = false;
    const renderer = rendermime.createRenderer(MARKDOWN);
    renderer.addClass('jp-Llmds-markdown');
    // The renderer needs no attach/detach messages: its node is enough.
    host.appendChild(renderer.node);
    current.renderer = renderer;
    current.rendered = null;
    pump();
    return () => {
      current.disposed = true;
      if (current.timer !== null) {
        window.clearTimeout(current.timer);
        current.timer = null;
      }
      current.renderer = null;
      renderer.dispose();
      renderer.node.remove();
    };
  }, [rendermime, pump]);

  React.useEffect(() => {
    state.current.wanted = source;
    pump();
  }, [source, pump]);

  return <div ref={hostRef} className={className} />;
}
