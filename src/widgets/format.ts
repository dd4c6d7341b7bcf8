/** Number formatting for the panel (thousands separators, byte sizes). */

/** `1234567` -> `1,234,567` (in the browser's locale). */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString() : '?';
}

/** `1536` -> `1.5 KiB`. */
export function formatBytes(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return '';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  const digits = unit === 0 || size >= 10 ? 0 : 1;
  return `${size.toLocaleString(undefined, {
    maximumFractionDigits: digits
  })} ${units[unit]}`;
}

/** `0.0312` -> `3.1%`; `0.0004` -> `<0.1%`; `0` -> `0%`. */
export function formatShare(share: number | null | undefined): string {
  if (typeof share !== 'number' || !Number.isFinite(share)) {
    return '';
  }
  if (share <= 0) {
    return '0%';
  }
  const percent = share * 100;
  if (percent < 0.1) {
    return '<0.1%';
  }
  if (percent > 99.9 && percent < 100) {
    return '>99.9%';
  }
  return `${percent.toLocaleString(undefined, {
    maximumFractionDigits: percent < 10 ? 1 : 0
  })}%`;
}

/**
 * A value copied from the frame, as a person should see it: strings quoted
 * (so that leading/trailing spaces and empty strings are visible), numbers
 * with separators, everything else as JSON.
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? value.toLocaleString(undefined, { maximumFractionDigits: 6 })
      : String(value);
  }
  if (value === null || value === undefined) {
    return 'null';
  }
  return JSON.stringify(value) ?? String(value);
}

/** A column label made JSON-safe by the kernel (tuples became lists). */
export function formatLabel(label: unknown): string {
  if (typeof label === 'string') {
    return label;
  }
  if (Array.isArray(label)) {
    return `(${label.map(part => formatLabel(part)).join(', ')})`;
  }
  return label === null || label === undefined ? 'None' : String(label);
}
