/** doctor: which broker, which mode, whether the keys work (account status), the market clock and whether the data plan serves the configured feed. */
import type { DoctorCheck, DoctorResult } from '../doctor/types.js';
import { isToolError } from '../errors.js';

export const brokerChecks: DoctorCheck = async (deps) => {
  const results: DoctorResult[] = [];
  const where =
    deps.brokerName === 'alpaca'
      ? `Alpaca at ${deps.config.alpaca.baseUrl} (data ${deps.config.alpaca.dataUrl})`
      : `sim broker in ${deps.dataDir}/sim-broker.sqlite`;
  results.push({
    name: 'broker',
    status: deps.mode === 'live' ? 'warn' : 'ok',
    detail: `${deps.brokerName}, mode ${deps.mode}: ${where}${deps.mode === 'live' ? ' — LIVE: real money' : ''}`,
  });
  const { getBroker } = await import('./index.js');
  try {
    const broker = await getBroker(deps);
    const account = await broker.getAccount();
    const healthy = account.status === 'ACTIVE' && !account.tradingBlocked;
    results.push({
      name: 'broker account',
      status: healthy ? 'ok' : 'warn',
      detail: `${deps.brokerName === 'alpaca' ? 'keys work; ' : ''}account ${account.status}${account.tradingBlocked ? ' (trading blocked)' : ''}, equity $${account.equity.toFixed(2)}, buying power $${account.buyingPower.toFixed(2)}`,
    });
    const clock = await broker.getClock();
    results.push({ name: 'market clock', status: 'ok', detail: clock.isOpen ? `open now (closes ${clock.nextClose})` : `closed (opens ${clock.nextOpen})` });
  } catch (err) {
    const detail = isToolError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
    results.push({ name: 'broker account', status: 'fail', detail });
    return results;
  }
  results.push(await marketDataCheck(deps));
  return results;
};

/** One latest quote on the configured stock feed: a data plan that does not cover it fails here, not mid-analysis. */
async function marketDataCheck(deps: Parameters<DoctorCheck>[0]): Promise<DoctorResult> {
  const { getBroker } = await import('./index.js');
  const feed = deps.brokerName === 'alpaca' ? `stock feed ${deps.config.alpaca.dataFeed}, options feed ${deps.config.alpaca.optionsFeed}` : 'simulated market';
  try {
    const quote = await (await getBroker(deps)).getLatestQuote('SPY');
    return { name: 'market data', status: 'ok', detail: `${feed}: SPY bid ${quote.bidPrice} / ask ${quote.askPrice}` };
  } catch (err) {
    return { name: 'market data', status: 'fail', detail: `${feed}: ${isToolError(err) ? `${err.code}: ${err.message}` : (err as Error).message}` };
  }
}
