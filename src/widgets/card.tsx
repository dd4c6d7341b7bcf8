/**
 * The data card of the selected frame, readable: a header (shape, memory,
 * duplicate rows, sampling, likely ID columns and target) and the columns,
 * flagged ones first, as a compact table whose issue chips expand into their
 * message and evidence.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ICardColumn, ICardIssue, IDataCard } from '../tokens';
import {
  formatBytes,
  formatCount,
  formatLabel,
  formatShare,
  formatValue
} from './format';

/** How many columns are shown before "Show all N columns". */
export const COLUMN_CAP = 40;

/** What the values of a column really are, in words. */
export function semanticLabel(semantic: string, trans: TranslationBundle): string {
  switch (semantic) {
    case 'numeric':
      return trans.__('numbers');
    case 'boolean':
      return trans.__('booleans');
    case 'datetime':
      return trans.__('dates/times');
    case 'timedelta':
      return trans.__('durations');
    case 'category':
      return trans.__('categories');
    case 'text':
      return trans.__('text');
    case 'numeric_string':
      return trans.__('numbers as text');
    case 'datetime_string':
      return trans.__('dates as text');
    case 'boolean_string':
      return trans.__('booleans as text');
    case 'empty':
      return trans.__('empty');
    case 'mixed':
      return trans.__('mixed types');
    case 'other':
      return trans.__('other');
    default:
      return semantic.replace(/_/g, ' ');
  }
}

/** Semantics that disagree with their dtype (worth a highlight). */
const MISMATCHED_SEMANTICS = new Set([
  'numeric_string',
  'datetime_string',
  'boolean_string',
  'mixed',
  'empty'
]);

/** The short name of an issue kind, for its chip. */
export function issueLabel(kind: string, trans: TranslationBundle): string {
  switch (kind) {
    case 'null_tokens':
      return trans.__('missing-value text');
    case 'whitespace':
      return trans.__('extra spaces');
    case 'case_variants':
      return trans.__('case variants');
    case 'numeric_string':
      return trans.__('numbers as text');
    case 'datetime_string':
      return trans.__('dates as text');
    case 'boolean_string':
      return trans.__('booleans as text');
    case 'duplicate_rows':
      return trans.__('duplicate rows');
    case 'all_null':
      return trans.__('all missing');
    case 'constant':
      return trans.__('constant');
    case 'sentinel':
      return trans.__('sentinel values');
    case 'duplicate_keys':
      return trans.__('duplicate keys');
    case 'outliers':
      return trans.__('outliers');
    case 'mixed_types':
      return trans.__('mixed types');
    case 'near_constant':
      return trans.__('nearly constant');
    case 'id_like':
      return trans.__('ID-like');
    case 'high_cardinality':
      return trans.__('many distinct values');
    case 'skewed':
      return trans.__('skewed');
    case 'pii':
      return trans.__('personal data');
    case 'key_conflicts':
      return trans.__('rows of one key disagree');
    default:
      return kind.replace(/_/g, ' ');
  }
}

/** Evidence maps whose keys are names (not values copied from the frame). */
const NAME_KEYED = new Set(['kinds', 'types']);
/** Evidence lists of names (not values copied from the frame). */
const NAME_LISTS = new Set(['withheld', 'normalize']);
/** Evidence the card view does not list (the message or the header says it). */
const HIDDEN_EVIDENCE = new Set(['sampled', 'key_position']);

function isPrimitive(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  );
}

/** null, an empty list or an empty object. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

/** One evidence value, as readable as its shape allows. */
function EvidenceValue(props: {
  name: string;
  value: unknown;
  trans: TranslationBundle;
}): JSX.Element {
  const { name, value, trans } = props;
  if (typeof value === 'number' && /share$/.test(name)) {
    return <span>{formatShare(value)}</span>;
  }
  if (isPrimitive(value)) {
    return <code className="jp-Llmds-value">{formatValue(value)}</code>;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return <span className="jp-Llmds-muted">{trans.__('none')}</span>;
    }
    if (value.every(isPrimitive)) {
      const names = NAME_LISTS.has(name);
      return (
        <span className="jp-Llmds-values">
          {value.map((item, index) => (
            <code className="jp-Llmds-value" key={index}>
              {names ? String(item) : formatValue(item)}
            </code>
          ))}
        </span>
      );
    }
    if (name === 'dependents' || name === 'weak_dependents') {
      // column names and counts (key_conflicts), not values of the frame
      return (
        <span className="jp-Llmds-values">
          {value.map((entry: any, index) => (
            <code className="jp-Llmds-value" key={index}>
              {trans.__(
                '%1: %2 differ, %3 missing',
                String(entry?.column),
                formatValue(entry?.rows ?? 0),
                formatValue(entry?.fills ?? 0)
              )}
            </code>
          ))}
        </span>
      );
    }
    if (name === 'groups') {
      return (
        <span className="jp-Llmds-values">
          {value.map((group: any, index) => (
            <span key={index} className="jp-Llmds-group">
              <code className="jp-Llmds-value">
                {formatValue(group?.canonical)}
              </code>
              {' ← '}
              {Object.entries(group?.variants ?? {}).map(([variant, count]) => (
                <code className="jp-Llmds-value" key={variant}>
                  {formatValue(variant)} ×{formatValue(count)}
                </code>
              ))}
            </span>
          ))}
        </span>
      );
    }
  } else if (typeof value === 'object' && value !== null) {
    const example = value as Record<string, unknown>;
    if (name === 'example' && 'key_value' in example) {
      // key_conflicts: one key and the values its rows hold
      return (
        <span className="jp-Llmds-values">
          <code className="jp-Llmds-value">{formatValue(example.key_value)}</code>
          {' → '}
          {String(example.column)}
          {': '}
          {Object.entries(
            (example.values ?? {}) as Record<string, unknown>
          ).map(([item, count]) => (
            <code className="jp-Llmds-value" key={item}>
              {formatValue(item)} ×{formatValue(count)}
            </code>
          ))}
        </span>
      );
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      return <span className="jp-Llmds-muted">{trans.__('none')}</span>;
    }
    if (entries.every(([, item]) => isPrimitive(item))) {
      const counts = entries.every(([, item]) => typeof item === 'number');
      return (
        <span className="jp-Llmds-values">
          {entries.map(([key, item]) => (
            <code className="jp-Llmds-value" key={key}>
              {NAME_KEYED.has(name) ? key : formatValue(key)}
              {counts ? ` ×${formatValue(item)}` : `: ${formatValue(item)}`}
            </code>
          ))}
        </span>
      );
    }
  }
  return <code className="jp-Llmds-value">{JSON.stringify(value)}</code>;
}

/** The message and evidence of an issue. */
function IssueDetails(props: {
  issue: ICardIssue;
  id: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { issue, id, trans } = props;
  // Empty entries (no unit, nothing unparsed ...) and column positions
  // (for the code writers; the names are shown) are noise here.
  const entries = Object.entries(issue.evidence ?? {}).filter(
    ([key, value]) => !HIDDEN_EVIDENCE.has(key) && !isEmpty(value)
  );
  const sampled = (issue.evidence as { sampled?: unknown })?.sampled === true;
  return (
    <div
      className="jp-Llmds-issueDetails"
      id={id}
      data-kind={issue.kind}
      role="region"
      aria-label={trans.__('%1: details', issueLabel(issue.kind, trans))}
    >
      <p className="jp-Llmds-issueMessage">{issue.message}</p>
      {entries.length > 0 && (
        <dl className="jp-Llmds-evidence">
          {entries.map(([key, value]) => (
            <React.Fragment key={key}>
              <dt>{key.replace(/_/g, ' ')}</dt>
              <dd>
                <EvidenceValue name={key} value={value} trans={trans} />
              </dd>
            </React.Fragment>
          ))}
        </dl>
      )}
      {sampled && (
        <p className="jp-Llmds-muted">{trans.__('Counted in the sample.')}</p>
      )}
    </div>
  );
}

/** Chips for a list of issues, each expanding into its details. */
function IssueChips(props: {
  issues: ICardIssue[];
  idPrefix: string;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { issues, idPrefix, trans } = props;
  const [open, setOpen] = React.useState<ReadonlySet<number>>(new Set());
  if (issues.length === 0) {
    return null;
  }
  const toggle = (index: number) => {
    const next = new Set(open);
    if (next.has(index)) {
      next.delete(index);
    } else {
      next.add(index);
    }
    setOpen(next);
  };
  return (
    <div className="jp-Llmds-issues">
      <div className="jp-Llmds-chips">
        {issues.map((issue, index) => {
          const expanded = open.has(index);
          const label = issueLabel(issue.kind, trans);
          return (
            <button
              key={index}
              type="button"
              className={`jp-Llmds-chip${expanded ? ' jp-mod-expanded' : ''}`}
              data-kind={issue.kind}
              aria-expanded={expanded}
              aria-controls={`${idPrefix}-${index}`}
              title={issue.message}
              onClick={() => toggle(index)}
            >
              <span className="jp-Llmds-chipLabel">{label}</span>
              {typeof issue.count === 'number' && (
                <span className="jp-Llmds-chipCount">
                  {formatCount(issue.count)}
                </span>
              )}
            </button>
          );
        })}
      </div>
      {issues.map((issue, index) =>
        open.has(index) ? (
          <IssueDetails
            key={index}
            issue={issue}
            id={`${idPrefix}-${index}`}
            trans={trans}
          />
        ) : null
      )}
    </div>
  );
}

/** The issues of one column: by position, else by name. */
function columnIssues(card: IDataCard, column: ICardColumn): ICardIssue[] {
  return card.issues.filter(issue =>
    typeof issue.position === 'number'
      ? issue.position === column.position
      : issue.column !== null &&
        issue.column !== undefined &&
        JSON.stringify(issue.column) === JSON.stringify(column.name)
  );
}

/** One column: a row of the table, and a row of issue chips under it. */
function ColumnRows(props: {
  column: ICardColumn;
  issues: ICardIssue[];
  idPrefix: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { column, issues, idPrefix, trans } = props;
  const name = formatLabel(column.name);
  const semantic = semanticLabel(column.semantic, trans);
  const mismatch = MISMATCHED_SEMANTICS.has(column.semantic);
  const nulls = typeof column.nulls === 'number' ? column.nulls : null;
  const distinct = column.distinct;
  const estimated = distinct !== null && distinct !== undefined && !distinct.exact;
  const distinctText =
    distinct && typeof distinct.count === 'number'
      ? `${estimated ? '~' : ''}${formatCount(distinct.count)}`
      : '?';
  const flagged = issues.length > 0;
  return (
    <tbody
      className={`jp-Llmds-column${flagged ? ' jp-mod-flagged' : ''}`}
      data-column={name}
      data-position={column.position}
    >
      <tr>
        <th scope="row" className="jp-Llmds-columnName" title={name}>
          {name}
        </th>
        <td className="jp-Llmds-columnType">
          <span className="jp-Llmds-dtype">{column.dtype}</span>
          <span className="jp-Llmds-arrow" aria-hidden="true">
            {' → '}
          </span>
          <span
            className={`jp-Llmds-semantic${mismatch ? ' jp-mod-mismatch' : ''}`}
            data-semantic={column.semantic}
          >
            {semantic}
          </span>
        </td>
        <td className="jp-Llmds-columnNulls">
          {nulls === null
            ? '?'
            : nulls === 0
              ? '0'
              : `${formatCount(nulls)} (${formatShare(column.null_share)})`}
        </td>
        <td
          className="jp-Llmds-columnDistinct"
          title={estimated ? trans.__('estimated from a sample') : undefined}
        >
          {distinctText}
        </td>
      </tr>
      {flagged && (
        <tr className="jp-Llmds-columnIssues">
          <td colSpan={4}>
            <IssueChips issues={issues} idPrefix={idPrefix} trans={trans} />
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** The readable card of a frame. */
export function CardView(props: {
  card: IDataCard;
  trans: TranslationBundle;
  /** A prefix for element ids, unique in the page. */
  idPrefix: string;
}): JSX.Element {
  const { card, trans, idPrefix } = props;
  const [showAll, setShowAll] = React.useState(false);
  const [rows, cols] = Array.isArray(card.shape) ? card.shape : [NaN, NaN];
  const memory = formatBytes(card.memory_bytes);
  const sample = card.sample;
  const sampled =
    sample && sample.method !== 'all' && sample.rows < sample.of;
  const duplicates = card.duplicate_rows;
  const ids = (card.likely_id_columns ?? []).map(formatLabel);
  const target = card.likely_target;
  const frameIssues = card.issues.filter(
    issue => issue.column === null || issue.column === undefined
  );

  const columns = card.columns.map(column => ({
    column,
    issues: columnIssues(card, column)
  }));
  // Flagged columns first; otherwise in frame order.
  columns.sort(
    (a, b) =>
      Number(b.issues.length > 0) - Number(a.issues.length > 0) ||
      a.column.position - b.column.position
  );
  const shown = showAll ? columns : columns.slice(0, COLUMN_CAP);
  const issueCount = card.issues.length;

  let duplicatesText = '';
  if (duplicates) {
    if (typeof duplicates.count === 'number') {
      duplicatesText = duplicates.exact
        ? formatCount(duplicates.count)
        : trans.__('%1 (in the sample)', formatCount(duplicates.count));
    } else if (duplicates.error) {
      duplicatesText = trans.__('not checked: %1', duplicates.error);
    }
  }

  return (
    <div className="jp-Llmds-card" data-frame={card.name}>
      <div className="jp-Llmds-cardHeader">
        <div className="jp-Llmds-cardTitle">
          <code className="jp-Llmds-cardName">{card.name}</code>
          <span className="jp-Llmds-cardShape">
            {trans.__(
              '%1 rows × %2 columns',
              formatCount(rows),
              formatCount(cols)
            )}
          </span>
        </div>
        <dl className="jp-Llmds-facts">
          {memory && (
            <>
              <dt>{trans.__('Memory')}</dt>
              <dd>{memory}</dd>
            </>
          )}
          {duplicatesText && (
            <>
              <dt>{trans.__('Duplicate rows')}</dt>
              <dd className="jp-Llmds-duplicates">{duplicatesText}</dd>
            </>
          )}
          {sampled && sample && (
            <>
              <dt>{trans.__('Sample')}</dt>
              <dd className="jp-Llmds-sampled">
                {trans.__(
                  'sampled %1 of %2 rows',
                  formatCount(sample.rows),
                  formatCount(sample.of)
                )}
              </dd>
            </>
          )}
          {ids.length > 0 && (
            <>
              <dt>{trans._n('Likely ID column', 'Likely ID columns', ids.length)}</dt>
              <dd className="jp-Llmds-ids">
                {ids.map(id => (
                  <code key={id}>{id}</code>
                ))}
              </dd>
            </>
          )}
          {target && (
            <>
              <dt>{trans.__('Likely target')}</dt>
              <dd className="jp-Llmds-target" title={target.reason}>
                <code>{formatLabel(target.column)}</code>
                <span className="jp-Llmds-muted"> ({target.reason})</span>
              </dd>
            </>
          )}
        </dl>
        <div
          className={`jp-Llmds-issueSummary${issueCount === 0 ? ' jp-mod-clean' : ''}`}
        >
          {issueCount === 0
            ? trans.__('no issues found')
            : trans._n('%1 issue', '%1 issues', issueCount)}
        </div>
        <IssueChips
          issues={frameIssues}
          idPrefix={`${idPrefix}-frame`}
          trans={trans}
        />
      </div>
      <div className="jp-Llmds-columnsWrap">
        <table
          className="jp-Llmds-columns"
          aria-label={trans.__('Columns of %1', card.name)}
        >
          <thead>
            <tr>
              <th scope="col">{trans.__('Column')}</th>
              <th scope="col">{trans.__('Type → values')}</th>
              <th scope="col">{trans.__('Nulls')}</th>
              <th scope="col">{trans.__('Distinct')}</th>
            </tr>
          </thead>
          {shown.map(({ column, issues }) => (
            <ColumnRows
              key={column.position}
              column={column}
              issues={issues}
              idPrefix={`${idPrefix}-col${column.position}`}
              trans={trans}
            />
          ))}
        </table>
      </div>
      {columns.length > shown.length && (
        <button
          type="button"
          className="jp-Llmds-linkButton jp-Llmds-showAll"
          onClick={() => setShowAll(true)}
        >
          {trans.__('Show all %1 columns', formatCount(columns.length))}
        </button>
      )}
    </div>
  );
}
