/** get_technicals' text rendering: the few lines a model or a person reads beside the structured result. */
import { fmt, type Signal } from './signals.js';
import type { TechnicalsOutput } from './technicals-schema.js';

export function renderText(r: TechnicalsOutput): string {
  const L = r.latest;
  const lines: string[] = [];
  lines.push(
    `${r.symbol} ${r.timeframe} · ${r.window.bars} bars ${r.window.from.slice(0, 16)} → ${r.window.to.slice(0, 16)} · close ${fmt(L.close)}${r.mode === 'sim' ? ' · simulated prices' : ` · ${r.mode}`}`,
  );
  const row: string[] = [];
  if (L.sma)
    row.push(
      `SMA ${Object.keys(L.sma).join('/')}: ${Object.values(L.sma)
        .map((x) => fmt(x))
        .join(' / ')}`,
    );
  if (L.ema)
    row.push(
      `EMA ${Object.keys(L.ema).join('/')}: ${Object.values(L.ema)
        .map((x) => fmt(x))
        .join(' / ')}`,
    );
  if (row.length) lines.push(row.join(' · '));
  const osc: string[] = [];
  if (L.rsi) osc.push(`RSI(${L.rsi.period}) ${fmt(L.rsi.value)}`);
  if (L.macd) osc.push(`MACD ${fmt(L.macd.macd, 3)} / signal ${fmt(L.macd.signal, 3)} / hist ${fmt(L.macd.histogram, 3)}`);
  if (L.stoch) osc.push(`Stoch %K ${fmt(L.stoch.k)} %D ${fmt(L.stoch.d)}`);
  if (osc.length) lines.push(osc.join(' · '));
  const vol: string[] = [];
  if (L.bbands)
    vol.push(
      `BB(${L.bbands.period},${L.bbands.stdDev}) ${fmt(L.bbands.lower)}–${fmt(L.bbands.upper)}${L.bbands.percentB !== null ? ` (%B ${fmt(L.bbands.percentB)})` : ''}`,
    );
  if (L.atr) vol.push(`ATR(${L.atr.period}) ${fmt(L.atr.value)} (${fmt(L.atr.percentOfClose)}%)`);
  if (L.adx) vol.push(`ADX(${L.adx.period}) ${fmt(L.adx.adx)} (+DI ${fmt(L.adx.plusDI)} / −DI ${fmt(L.adx.minusDI)})`);
  if (vol.length) lines.push(vol.join(' · '));
  const flow: string[] = [];
  if (L.obv) flow.push(`OBV ${fmt(L.obv.value, 0)}`);
  if (L.vwap) flow.push(`VWAP ${fmt(L.vwap.value)} (${L.vwap.anchor === 'session' ? 'session' : 'anchored at window start'})`);
  if (L.hv)
    flow.push(
      `HV(${L.hv.period}) ${fmt(L.hv.annualized * 100, 1)}%${L.hv.rank !== null ? ` rank ${fmt(L.hv.rank, 0)} / pct ${fmt(L.hv.percentile ?? Number.NaN, 0)} over ${L.hv.rankWindow} bars` : ''}`,
    );
  if (flow.length) lines.push(flow.join(' · '));
  lines.push(`Signals (${r.summary.bullish} bullish, ${r.summary.bearish} bearish, ${r.summary.neutral} neutral):`);
  for (const s of r.signals as Signal[]) lines.push(`  ${s.direction.padEnd(7)} ${s.id}: ${s.rule}`);
  if (r.unavailable.length) lines.push(`Not computed: ${r.unavailable.map((u) => `${u.series} (needs ${u.needsBars} bars, have ${u.haveBars})`).join(', ')}`);
  const q = r.dataQuality;
  if (q.droppedCount || q.duplicates || q.gapCount || q.reordered)
    lines.push(
      `Data: ${q.droppedCount} bad bar(s) dropped, ${q.duplicates} duplicate(s), ${q.gapCount} gap(s)${q.largestGap ? ` (largest ${q.largestGap.hours} h after ${q.largestGap.from})` : ''}${q.reordered ? ', bars re-sorted' : ''}`,
    );
  if (r.narrative) {
    const llm = r.narrative.llm;
    lines.push(
      `Narrative (${llm.tier} tier, ${llm.model}, $${llm.costUsd.toFixed(6)}; $${llm.remainingDailyUsd.toFixed(4)} left today) — the numbers above are computed, not written by the model:`,
    );
    lines.push(`  ${r.narrative.text}`);
  }
  if (r.chart) lines.push(`Chart: ${r.chart.width}×${r.chart.height} PNG attached (${Math.round(r.chart.bytes / 1024)} KiB).`);
  return lines.join('\n');
}
