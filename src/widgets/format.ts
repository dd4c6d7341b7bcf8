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
