/**
 * A message-rate sparkline: the last 60 seconds of messages in and out as two lines in a small
 * SVG, with the current rates beside it (`↓12 ↑3 msg/s · ↓1.2 ↑0.4 KiB/s`). Drawn by hand (two
 * `polyline`s): a charting library would be larger than the whole webview and would need a looser
 * CSP. Redrawn only when its series changes, once a second.
 */

import { RATE_HISTORY_SECONDS, type RateSample } from '../protocol';
import { formatRate, h, setAttr, setText, svg } from './dom';

const WIDTH = 120;
const HEIGHT = 22;

/** One sparkline; `update` with the series of a socket or a connection. */
export class Sparkline {
  readonly element: HTMLSpanElement;
  readonly #in = svg('polyline', { class: 'spark-in', fill: 'none' });
  readonly #out = svg('polyline', { class: 'spark-out', fill: 'none' });
  readonly #title = svg('title');
  readonly #caption = h('span', { class: 'spark-caption', testid: 'rate-caption' });
  #samples: readonly RateSample[] | undefined | null = null;

  constructor(testid: string) {
    const chart = svg('svg', { class: 'sparkline', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img' },
      this.#title, svg('line', { class: 'spark-base', x1: 0, y1: HEIGHT - 0.5, x2: WIDTH, y2: HEIGHT - 0.5 }), this.#in, this.#out);
    this.element = h('span', { class: 'spark', testid }, chart, this.#caption);
  }

  update(samples: readonly RateSample[] | undefined): void {
    if (samples === this.#samples) return;
    this.#samples = samples;
    const series = samples ?? [];
    let max = 1;
    for (const s of series) max = Math.max(max, s[0], s[1]);
    setAttr(this.#in, 'points', points(series, 0, max));
    setAttr(this.#out, 'points', points(series, 1, max));
    const last = series.at(-1) ?? [0, 0, 0, 0];
    const caption = `↓${formatRate(last[0])} ↑${formatRate(last[1])} msg/s`;
    setText(this.#caption, caption);
    this.element.dataset.msgsIn = String(last[0]);
    this.element.dataset.msgsOut = String(last[1]);
    setText(this.#title, `Last ${RATE_HISTORY_SECONDS} s, peak ${max} msg/s. Now: ${last[0]} msg/s in, ${last[1]} out; ${formatRate(last[2] / 1024)} KiB/s in, ${formatRate(last[3] / 1024)} KiB/s out`);
  }
}

/** The polyline of one column of the samples, newest at the right edge. */
function points(series: readonly RateSample[], column: 0 | 1, max: number): string {
  const step = WIDTH / (RATE_HISTORY_SECONDS - 1);
  const offset = RATE_HISTORY_SECONDS - series.length;
  let out = '';
  for (let i = 0; i < series.length; i++) {
    const x = (offset + i) * step;
    const y = HEIGHT - 1 - (series[i][column] / max) * (HEIGHT - 3);
    out += `${x.toFixed(1)},${y.toFixed(1)} `;
  }
  return out.trimEnd();
}
