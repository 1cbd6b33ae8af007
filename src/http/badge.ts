/** A flat SVG badge showing the pending count; only digits reach the SVG. */
export function pendingBadge(count: number): string {
  const label = "pending upgrades";
  const value = String(Math.max(0, Math.trunc(count)));
  const labelWidth = 6 * label.length + 10;
  const valueWidth = 7 * value.length + 12;
  const width = labelWidth + valueWidth;
  const color = count === 0 ? "#4c1" : "#fe7d37";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${label}: ${value}">
<title>${label}: ${value}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/><rect x="${labelWidth}" width="${valueWidth}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${labelWidth / 2}" y="14">${label}</text><text x="${labelWidth + valueWidth / 2}" y="14">${value}</text></g>
</svg>`;
}
