/**
 * The report's charts as SVG text, rendered on the server by Apache ECharts
 * (`renderToSVGString`, no DOM, no browser): the page needs no script to show
 * them. Only the chart types and components used here are registered, which
 * keeps the module small to load. Amounts are drawn in major units (a chart
 * is an edge, like a cell); labels and axes are formatted by the caller's
 * formatter so they follow `reports.locale`.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { BalanceSeries, DailyVolume, ExceptionAges } from './dashboard-data.js';
import { AGE_BUCKETS } from './dashboard-data.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, MarkPointComponent, TitleComponent, SVGRenderer]);

type Option = echarts.EChartsCoreOption;

export interface ChartFormat {
  /** Minor units of `currency` as a major-unit number (for the chart's values). */
  major(minor: number, currency: string): number;
  /** An axis or label number, in the report's locale. */
  number(value: number): string;
}

const WIDTH = 960;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
/** Colour-blind-safe palette (Okabe–Ito, then Tableau's), so series read apart in print too. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000', '#8c8c8c', '#4e79a7'];

function render(option: Option, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Daily paid-out volume of one currency, stacked by purpose. Days without payouts draw no bar. */
export function dailyVolumeChart(volume: DailyVolume, fmt: ChartFormat): string {
  return render(
    {
      legend: { top: 0, type: 'plain', textStyle: { fontSize: 11 } },
      grid: { left: 80, right: 20, top: 30 + 18 * Math.ceil(volume.series.length / 4), bottom: 50 },
      xAxis: { type: 'category', data: volume.days.map((d) => d.slice(5)), axisLabel: { rotate: 45, fontSize: 10 } },
      yAxis: { type: 'value', name: volume.currency, axisLabel: { formatter: (v: number) => fmt.number(v) } },
      series: volume.series.map((s) => ({
        name: s.purpose,
        type: 'bar',
        stack: 'paid',
        data: s.amounts.map((a) => (a === 0 ? null : fmt.major(a, volume.currency))),
      })),
    },
    360,
  );
}

/** Horizontal bars, one per label, with the value at the end of the bar. */
export function horizontalBars(labels: readonly string[], values: readonly number[], fmt: ChartFormat, color = PALETTE[0]): string {
  const height = 40 + 26 * Math.max(labels.length, 1);
  return render(
    {
      grid: { left: 320, right: 80, top: 10, bottom: 20 },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => fmt.number(v) } },
      yAxis: { type: 'category', data: [...labels].reverse(), axisLabel: { width: 300, overflow: 'truncate', fontSize: 11 } },
      series: [
        {
          type: 'bar',
          data: [...values].reverse(),
          itemStyle: { color },
          label: { show: true, position: 'right', formatter: (p: { value: number }) => fmt.number(p.value), fontSize: 11 },
        },
      ],
    },
    height,
  );
}

/** Counts per category, stacked by series (status mix per currency, exceptions per kind and age). */
export function stackedBars(categories: readonly string[], series: readonly { name: string; values: readonly number[] }[], fmt: ChartFormat): string {
  const height = 70 + 30 * Math.max(categories.length, 1);
  return render(
    {
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 200, right: 30, top: 34, bottom: 20 },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => fmt.number(v) } },
      yAxis: { type: 'category', data: [...categories].reverse(), axisLabel: { width: 190, overflow: 'truncate', fontSize: 11 } },
      series: series.map((s) => ({ name: s.name, type: 'bar', stack: 'all', data: [...s.values].reverse().map((v) => (v === 0 ? null : v)) })),
    },
    height,
  );
}

export function exceptionAgesChart(ages: readonly ExceptionAges[], fmt: ChartFormat): string {
  return stackedBars(
    ages.map((a) => a.kind),
    AGE_BUCKETS.map((bucket, i) => ({ name: bucket, values: ages.map((a) => a.counts[i] ?? 0) })),
    fmt,
  );
}

/**
 * The prefunding balance of one currency at the end of each day, its lowest
 * point, the low-balance threshold as a line, and top-ups (▲) and refunds (●)
 * marked on the days they arrived.
 */
export function balanceChart(series: BalanceSeries, fmt: ChartFormat): string {
  const major = (v: number | null): number | null => (v === null ? null : fmt.major(v, series.currency));
  const threshold = series.threshold === null ? null : fmt.major(series.threshold, series.currency);
  const marks = (values: readonly number[], symbol: string, name: string, color: string) =>
    values.flatMap((v, i) => (v > 0 && series.closing[i] !== null ? [{ name, coord: [i, major(series.closing[i] ?? null)], value: fmt.number(fmt.major(v, series.currency)), symbol, symbolSize: 14, itemStyle: { color } }] : []));
  return render(
    {
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 90, right: 30, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: series.days.map((d) => d.slice(5)), axisLabel: { rotate: 45, fontSize: 10 } },
      yAxis: {
        type: 'value',
        name: series.currency,
        // Keep the threshold line in view even when every balance is below it.
        ...(threshold !== null ? { max: (extent: { max: number }) => Math.max(extent.max, threshold * 1.1) } : {}),
        axisLabel: { formatter: (v: number) => fmt.number(v) },
      },
      series: [
        {
          name: 'Balance at end of day',
          type: 'line',
          connectNulls: true,
          data: series.closing.map(major),
          markPoint: {
            label: { show: false },
            data: [...marks(series.topups, 'triangle', 'Top-up', '#009E73'), ...marks(series.refunds, 'circle', 'Refund', '#D55E00')],
          },
          ...(threshold !== null
            ? { markLine: { symbol: 'none', lineStyle: { color: '#D55E00', type: 'dashed' }, label: { formatter: 'Low-balance threshold', position: 'insideEndTop' }, data: [{ yAxis: threshold }] } }
            : {}),
        },
        { name: 'Lowest during the day', type: 'line', connectNulls: true, lineStyle: { type: 'dotted' }, data: series.lowest.map(major) },
      ],
    },
    320,
  );
}
