// Pure geometry for the loss chart: axis ranges, ticks and SVG points from a loss series. No DOM, no Svelte.

export interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Tick {
  /** Pixel position along the axis. */
  at: number;
  label: string;
}

export interface ChartGeometry {
  /** "x,y x,y ..." for an SVG polyline; empty when nothing is drawable. */
  points: string;
  xTicks: Tick[];
  yTicks: Tick[];
}

const MAX_POINTS = 1200;

function formatLoss(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1000 || magnitude < 0.01 ? value.toExponential(1) : value.toPrecision(3);
}

/**
 * Maps losses (index i is step i + 1) into `box`. Non-finite values, and values <= 0 on a log axis, are
 * left out of the line. Long series are thinned by stride to at most MAX_POINTS points.
 */
export function chartGeometry(losses: readonly number[], box: Box, logScale: boolean): ChartGeometry {
  const toY = (loss: number) => (logScale ? Math.log10(loss) : loss);
  const drawable: [step: number, y: number][] = [];
  const stride = Math.max(1, Math.ceil(losses.length / MAX_POINTS));
  losses.forEach((loss, i) => {
    const last = i === losses.length - 1;
    if ((i % stride === 0 || last) && Number.isFinite(loss) && (!logScale || loss > 0)) drawable.push([i + 1, toY(loss)]);
  });
  if (drawable.length === 0) return { points: '', xTicks: [], yTicks: [] };

  const lastStep = Math.max(losses.length, 2);
  let yMin = Math.min(...drawable.map(([, y]) => y));
  let yMax = Math.max(...drawable.map(([, y]) => y));
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const pad = 0.04 * (yMax - yMin); // keep the line off the axes
  [yMin, yMax] = [yMin - pad, yMax + pad];

  const plotWidth = box.width - box.left - box.right;
  const plotHeight = box.height - box.top - box.bottom;
  const px = (step: number) => box.left + ((step - 1) / (lastStep - 1)) * plotWidth;
  const py = (y: number) => box.top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight;

  const points = drawable.map(([step, y]) => `${px(step).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = yMin + f * (yMax - yMin);
    return { at: py(y), label: formatLoss(logScale ? 10 ** y : y) };
  });
  const xTicks = [...new Set([1, Math.round(lastStep / 2), lastStep])].map((step) => ({ at: px(step), label: String(step) }));
  return { points, xTicks, yTicks };
}
