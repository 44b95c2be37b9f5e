// Hongyan's own line icons on a 24×24 grid, drawn as stroked paths.

const circle = (cx: number, cy: number, r: number) =>
  `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;

/** A cog outline with `teeth` teeth between radii `inner` and `outer`, centred on (12, 12). */
function gear(teeth: number, inner: number, outer: number): string {
  const step = (Math.PI * 2) / teeth;
  const pt = (r: number, a: number) =>
    `${(12 + r * Math.cos(a)).toFixed(2)} ${(12 + r * Math.sin(a)).toFixed(2)}`;
  let d = '';
  for (let i = 0; i < teeth; i++) {
    const a = i * step - Math.PI / 2;
    const w = step * 0.2;
    d += `${i === 0 ? 'M' : 'L'}${pt(inner, a - step / 2 + w)}`;
    d += `L${pt(outer, a - w * 0.9)}L${pt(outer, a + w * 0.9)}L${pt(inner, a + step / 2 - w)}`;
  }
  return `${d}Z`;
}

export const ICONS = {
  settings: [gear(8, 7.4, 9.6), circle(12, 12, 3)],
  send: ['M3.5 11.2 20.5 3.5 14 20.5l-3.2-6.9z', 'M10.8 13.6 20.5 3.5'],
  search: [circle(10.5, 10.5, 6), 'M15 15l5 5'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  clock: [circle(12, 12, 8), 'M12 7.8v4.4l2.9 1.9'],
  alert: [circle(12, 12, 8.5), 'M12 7.5v5.2', 'M12 16.2v.1'],
  eye: ['M2.5 12s3.6-6.5 9.5-6.5 9.5 6.5 9.5 6.5-3.6 6.5-9.5 6.5S2.5 12 2.5 12z', circle(12, 12, 2.8)],
  eyeOff: [
    'M9.9 5.8A9.6 9.6 0 0 1 12 5.5c5.9 0 9.5 6.5 9.5 6.5a17 17 0 0 1-2.7 3.5',
    'M14.1 14.2a2.8 2.8 0 0 1-4.2-3.7',
    'M6.6 7.2C4 8.9 2.5 12 2.5 12s3.6 6.5 9.5 6.5c1.6 0 3-.5 4.3-1.2',
    'M3.5 3.5l17 17',
  ],
  chevronDown: ['M6 9.5l6 6 6-6'],
  chevronRight: ['M9.5 6l6 6-6 6'],
  logout: ['M14.5 4H18a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3.5', 'M9.5 16.5 5 12l4.5-4.5', 'M5 12h10.5'],
  trash: ['M4.5 7h15', 'M9.5 7V4.8h5V7', 'M6.5 7l.9 12.2a1.5 1.5 0 0 0 1.5 1.3h6.2a1.5 1.5 0 0 0 1.5-1.3L17.5 7', 'M10.3 10.8v6', 'M13.7 10.8v6'],
  shield: ['M12 3.2l7.3 2.9v5.5c0 4.4-3.1 8-7.3 9.2-4.2-1.2-7.3-4.8-7.3-9.2V6.1z', 'M9 12.2l2.1 2.1 4-4.2'],
  server: ['M5 4.5h14a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1z', 'M5 13.5h14a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1z', 'M7.5 7.5h.1', 'M7.5 16.5h.1'],
  flask: ['M9 3.5h6', 'M10 3.5v5.8L5.2 18.1a1.6 1.6 0 0 0 1.4 2.4h10.8a1.6 1.6 0 0 0 1.4-2.4L14 9.3V3.5', 'M7.4 14.5h9.2'],
  refresh: ['M19.5 12a7.5 7.5 0 1 1-2.2-5.3', 'M19.5 4.5v4h-4'],
  globe: [circle(12, 12, 8.5), 'M3.5 12h17', 'M12 3.5c2.3 2.4 3.4 5.2 3.4 8.5s-1.1 6.1-3.4 8.5c-2.3-2.4-3.4-5.2-3.4-8.5S9.7 5.9 12 3.5z'],
  sun: [circle(12, 12, 4), 'M12 2.8v2', 'M12 19.2v2', 'M2.8 12h2', 'M19.2 12h2', 'M5.5 5.5l1.4 1.4', 'M17.1 17.1l1.4 1.4', 'M5.5 18.5l1.4-1.4', 'M17.1 6.9l1.4-1.4'],
  moon: ['M19.5 14.5A7.8 7.8 0 0 1 9.5 4.5a7.8 7.8 0 1 0 10 10z'],
  monitor: ['M4.5 5h15a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1h-15a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z', 'M9 20h6', 'M12 16v4'],
  user: [circle(12, 8.5, 3.8), 'M4.8 20a7.2 7.2 0 0 1 14.4 0'],
  userPlus: [circle(9.5, 8.5, 3.8), 'M2.8 20a6.7 6.7 0 0 1 12.2-3.8', 'M18.5 13v7', 'M15 16.5h7'],
  users: [circle(9.5, 8.5, 3.6), 'M3 19.5a6.5 6.5 0 0 1 13 0', 'M15.2 5.1a3.6 3.6 0 0 1 0 6.8', 'M18.2 14.1a6.5 6.5 0 0 1 2.8 5.4'],
  plus: ['M12 5v14', 'M5 12h14'],
  userQuestion: [circle(10, 8.5, 3.8), 'M3 20a7 7 0 0 1 11-5.7', 'M17 14.2a2 2 0 1 1 2.6 1.9c-.5.2-.6.5-.6 1v.4', 'M19 19.8v.1'],
  lock: ['M6.5 10.5h11a1 1 0 0 1 1 1v7.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1v-7.5a1 1 0 0 1 1-1z', 'M8.5 10.5V8a3.5 3.5 0 0 1 7 0v2.5'],
  external: ['M13.5 4.5h6v6', 'M19.5 4.5l-8 8', 'M17.5 14v4.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1v-11a1 1 0 0 1 1-1H10'],
  arrowDown: ['M12 5v14', 'M6 13l6 6 6-6'],
} as const;

export type IconName = keyof typeof ICONS;
