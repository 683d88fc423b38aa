// The dashboard page: reads /api/state every 2 s with the key from the URL (#key=…), renders it with DOM nodes
// (textContent only: the audit and the models' replies are data, never markup), and draws two uPlot charts.
'use strict';

const KEY = new URLSearchParams(location.hash.slice(1)).get('key') || '';
const $ = (id) => document.getElementById(id);
const usd = (x, d = 4) => (x === null || x === undefined ? '-' : `$${Number(x).toFixed(d)}`);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
  return node;
}

function table(headers, rows, numeric = []) {
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, headers.map((h, i) => el('th', numeric.includes(i) ? { class: 'num' } : {}, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => el('td', numeric.includes(i) ? { class: 'num' } : {}, c))))),
  );
}

function show(id, ...nodes) {
  $(id).replaceChildren(...nodes.flat());
}

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'x-dashboard-key': KEY, 'content-type': 'application/json', ...(init.headers || {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.error || body.reason || `HTTP ${res.status}`), { body, status: res.status });
  return body;
}

function renderHalt(halt) {
  const badge = $('halt-state');
  badge.textContent = halt.halted ? `HALTED: ${halt.reason || ''}` : 'trading enabled';
  badge.className = `badge ${halt.halted ? 'on' : 'off'}`;
  $('halt').disabled = halt.halted;
}

function reasonsOf(confirmation) {
  if (!confirmation) return 'no confirmation on record';
  return `${confirmation.model || 'Opus'} ${confirmation.decision || ''}: ${(confirmation.reasons || []).join('; ')}`;
}

let shownApprovals = null;
function renderApprovals(pending) {
  // re-drawn only when the set changes: a button must not turn into another order's under the person's cursor
  const ids = pending.map((a) => a.id).join(',');
  if (ids === shownApprovals) return;
  shownApprovals = ids;
  if (!pending.length) return show('approvals', el('p', { class: 'muted' }, 'none'));
  show(
    'approvals',
    pending.map((a) =>
      el(
        'div',
        { class: 'approval', 'data-approval': a.id },
        a.summary.action ? el('div', { class: 'action' }, `${a.summary.kind}: ${a.summary.action}`) : '',
        el('div', { class: 'order' }, a.summary.order),
        el('div', { class: 'hash' }, `order_hash ${a.order_hash}`),
        el('div', { class: 'muted' }, `risk: ${a.summary.risk ? (a.summary.risk.passed ? 'passed' : 'FAILED') : '-'}; ${reasonsOf(a.summary.confirmation)}`),
        el('div', { class: 'muted' }, `waiting since ${a.created_at}; expires ${a.expires_at}`),
        el('button', { class: 'approve', type: 'button', onclick: () => decide(a, 'approve') }, 'Approve this order'),
        ' ',
        el('button', { class: 'decline', type: 'button', onclick: () => decide(a, 'decline') }, 'Decline'),
      ),
    ),
  );
}

/** What the person is asked to confirm: the very order (and hash) the approval will be bound to. */
const approvalText = (a) => `Send this order to the broker?\n\n${a.summary.action ? `${a.summary.action}\n` : ''}${a.summary.order}\norder_hash ${a.order_hash}`;

async function decide(approval, decision) {
  if (decision === 'approve' && !confirm(approvalText(approval))) return;
  try {
    await api(`/api/approvals/${approval.id}`, { method: 'POST', body: JSON.stringify({ decision, order_hash: approval.order_hash }) });
  } catch (err) {
    showError(`the ${decision} did not land: ${err.message}`);
  }
  shownApprovals = null;
  await refresh();
}

function renderSpend(u, calls) {
  show(
    'budgets',
    el('div', { class: 'card' }, 'Today', el('b', {}, `${usd(u.today.spentUsd)} / ${usd(u.today.budgetUsd, 2)}`), `left ${usd(u.today.remainingUsd)}`),
    el('div', { class: 'card' }, 'This month', el('b', {}, `${usd(u.month.spentUsd)} / ${usd(u.month.budgetUsd, 2)}`), `left ${usd(u.month.remainingUsd)}`),
    el('div', { class: 'card' }, 'Critical (Opus) today', el('b', {}, `${usd(u.critical.spentUsd)} / ${usd(u.critical.dailyBudgetUsd, 2)}`), `${u.critical.confirmationsLastHour} confirmations in the last hour`),
    el('div', { class: 'card' }, 'Downgrade step', el('b', {}, String(u.downgrade.step)), u.downgrade.meaning),
  );
  const group = (rows) => table(['', 'calls', 'failed', 'cost'], rows.map((g) => [g.key, g.calls, g.failed, usd(g.costUsd, 6)]), [1, 2, 3]);
  show('by-tier', el('h3', { class: 'muted' }, 'by tier (month)'), group(u.month.byTier));
  show('by-model', el('h3', { class: 'muted' }, 'by model (month)'), group(u.month.byModel));
  show('by-tool', el('h3', { class: 'muted' }, 'by tool (month)'), group(u.month.byTool));
  spendChart(calls);
  const routing = (u.routing && u.routing.tiers) || [];
  show(
    'routing',
    el('h3', { class: 'muted' }, 'routing (per tier × model, all time)'),
    table(
      ['tier', 'policy', 'model', 'state', 'calls', 'failed', 'valid', 'agreed', 'p50 ms', 'p95 ms', 'mean cost'],
      routing.flatMap((t) =>
        t.models.map((m) => [t.tier, t.policy, m.model, m.state || (m.weight !== null ? `weight ${m.weight}` : ''), m.calls, m.failed, m.validRate ?? '-', m.agreementRate ?? '-', m.latencyP50Ms ?? '-', m.latencyP95Ms ?? '-', usd(m.meanCostUsd, 6)]),
      ),
      [4, 5, 6, 7, 8, 9, 10],
    ),
  );
}

let charts = {};
function lineChart(id, title, series, xs) {
  const node = $(id);
  if (charts[id]) charts[id].destroy();
  node.replaceChildren();
  if (!xs.length) return node.append(el('p', { class: 'muted' }, `${title}: nothing yet`));
  const palette = ['#2563eb', '#d64545', '#1a9c5b', '#f08c00', '#7b3fb6', '#0f9bb0', '#c2185b', '#5f6b7a'];
  const opts = {
    title,
    width: Math.max(480, node.clientWidth || 900),
    height: 260,
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2 }))],
    axes: [{}, { size: 70 }],
  };
  charts[id] = new uPlot(opts, [xs, ...series.map((s) => s.values)], node);
}

/** Cumulative spend per tier over the recent calls (from the ledger). */
function spendChart(calls) {
  const sorted = [...calls].sort((a, b) => a.at.localeCompare(b.at));
  const tiers = [...new Set(sorted.map((c) => c.tier))];
  const totals = Object.fromEntries(tiers.map((t) => [t, 0]));
  // every curve starts at 0 a minute before the first call, so one call is a step, not a lone dot
  const xs = sorted.length ? [Date.parse(sorted[0].at) / 1000 - 60] : [];
  const values = tiers.map(() => (sorted.length ? [0] : []));
  for (const c of sorted) {
    totals[c.tier] += c.costUsd;
    xs.push(Date.parse(c.at) / 1000);
    tiers.forEach((t, i) => values[i].push(totals[t]));
  }
  lineChart('spend-chart', 'LLM spend over the recent calls, cumulative by tier (USD)', tiers.map((t, i) => ({ label: t, values: values[i] })), xs);
}

function renderAudit(audit) {
  show('audit-counts', Object.entries(audit.counts).map(([k, v]) => `${k}: ${v}`).join(' · ') || 'no attempt yet');
  show(
    'audit',
    table(
      ['at', 'status', 'stages', 'code', 'order', 'confirmation', 'broker order', 'cost'],
      audit.recent.map((a) => [
        a.at,
        el('span', { class: `status-${a.status}` }, a.status),
        (a.stages || []).map((st) => `${st.stage} ${st.outcome}${st.code ? ` (${st.code})` : ''}`).join(' → '),
        a.code || '',
        a.order_hash ? `${a.client_order_id || ''} ${a.order_hash.slice(0, 12)}…` : a.client_order_id || '',
        a.confirmation ? reasonsOf(a.confirmation) : '',
        a.broker_order ? `${a.broker_order.status || ''} ${a.broker_order.id || ''}` : '',
        usd(a.cost_usd, 6),
      ]),
      [7],
    ),
  );
}

function renderCouncils(councils) {
  show(
    'councils',
    table(
      ['at', 'question', 'decision', 'consensus', 'votes'],
      councils.map((c) => [c.at, c.question, c.decision || c.status, c.consensus ?? '', c.votes.map((v) => `${v.model_served || v.model_requested || v.tier}: ${v.vote || v.status}${v.reasoning ? ` — ${v.reasoning.slice(0, 100)}` : ''}`).join('; ')]),
    ),
  );
}

function renderArena(arena) {
  show(
    'leaderboard',
    table(
      ['#', 'model', 'equity', 'P&L', 'drawdown', 'trades', 'win rate', 'LLM cost', 'net'],
      arena.leaderboard.map((r) => [r.rank, r.model, usd(r.equity, 2), usd(r.pnl_usd, 2), `${(r.max_drawdown * 100).toFixed(2)}%`, r.trades, r.win_rate === null ? '-' : `${Math.round(r.win_rate * 100)}%`, usd(r.llm_cost_usd, 6), usd(r.net_usd, 2)]),
      [2, 3, 4, 5, 6, 7, 8],
    ),
  );
  const times = [...new Set(arena.curves.flatMap((c) => c.points.map((p) => Math.round(p.t / 1000))))].sort((a, b) => a - b);
  const series = arena.curves.map((c) => {
    const at = new Map(c.points.map((p) => [Math.round(p.t / 1000), p.equity]));
    let last = null;
    return { label: c.model, values: times.map((t) => (at.has(t) ? (last = at.get(t)) : last)) };
  });
  lineChart('equity-chart', 'Arena equity curves (USD)', series, times);
  show('chat', table(['at', 'model', 'kind', 'action', 'reasoning'], arena.chat.slice(0, 10).map((c) => [c.at, c.model, c.kind, `${c.action || c.status} ${c.symbol || ''}`, (c.reasoning || c.error_message || '').slice(0, 160)])));
}

function showError(text) {
  $('error').hidden = !text;
  $('error').textContent = text || '';
}

async function refresh() {
  try {
    const s = await api('/api/state');
    $('meta').textContent = `${s.dataDir} · mode ${s.mode} · ${s.at}`;
    renderHalt(s.halt);
    renderApprovals(s.approvals.pending);
    renderSpend(s.usage, s.calls);
    renderAudit(s.audit);
    renderCouncils(s.councils);
    renderArena(s.arena);
    showError('');
    document.body.dataset.loaded = 'true';
  } catch (err) {
    showError(err.status === 403 ? 'This page needs the key the dashboard printed on the terminal: open the URL it printed.' : `could not load: ${err.message}`);
  }
}

$('halt').addEventListener('click', async () => {
  if (!confirm('Halt all trading? Resuming is done on the command line (tars-trading-mcp resume).')) return;
  try {
    await api('/api/halt', { method: 'POST', body: JSON.stringify({ reason: 'halted from the dashboard' }) });
  } catch (err) {
    showError(`halt failed: ${err.message}`);
  }
  await refresh();
});

refresh();
setInterval(refresh, 2000);
