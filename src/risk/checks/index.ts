/**
 * Every pre-trade check (SPEC §7), in the order a verdict reports them: the one table. A new
 * check is a file beside these and a row here; its name and code reach the verdict schema from it.
 */
import { accountStatusCheck } from './account-status.js';
import { buyingPowerCheck } from './buying-power.js';
import { closeOnlyCheck } from './close-only.js';
import { duplicateOrderCheck } from './duplicate-order.js';
import { exitOrdersCheck } from './exit-orders.js';
import { marketHoursCheck } from './market-hours.js';
import { lessonBlockCheck } from './lesson-block.js';
import { maxDailyLossCheck } from './max-daily-loss.js';
import { maxOpenOrdersCheck } from './max-open-orders.js';
import { maxOrderNotionalCheck } from './max-order-notional.js';
import { maxOrderQtyCheck } from './max-order-qty.js';
import { maxPositionCheck } from './max-position.js';
import { optionsDaysToExpiryCheck } from './options-days-to-expiry.js';
import { optionsDefinedRiskCheck } from './options-defined-risk.js';
import { optionsLegsCheck } from './options-legs.js';
import { optionsLevelCheck } from './options-level.js';
import { optionsMaxLossCheck } from './options-max-loss.js';
import { orderRateHourCheck } from './order-rate-hour.js';
import { orderRateMinuteCheck } from './order-rate-minute.js';
import { patternDayTraderCheck } from './pattern-day-trader.js';
import { priceCollarCheck } from './price-collar.js';
import { quoteFreshCheck } from './quote-fresh.js';
import { symbolAllowListCheck } from './symbol-allow-list.js';
import { symbolDenyListCheck } from './symbol-deny-list.js';
import { tradingHaltedCheck } from './trading-halted.js';
import { trailingStopCheck } from './trailing-stop.js';

export const RISK_CHECK_TABLE = [
  tradingHaltedCheck,
  accountStatusCheck,
  symbolAllowListCheck,
  symbolDenyListCheck,
  maxOrderNotionalCheck,
  maxOrderQtyCheck,
  priceCollarCheck,
  quoteFreshCheck,
  maxPositionCheck,
  buyingPowerCheck,
  maxOpenOrdersCheck,
  orderRateMinuteCheck,
  orderRateHourCheck,
  maxDailyLossCheck,
  duplicateOrderCheck,
  marketHoursCheck,
  patternDayTraderCheck,
  closeOnlyCheck,
  exitOrdersCheck,
  trailingStopCheck,
  optionsLevelCheck,
  optionsLegsCheck,
  optionsDefinedRiskCheck,
  optionsMaxLossCheck,
  optionsDaysToExpiryCheck,
  lessonBlockCheck,
] as const;

export type { CheckResult, CheckValue, RiskCheckDefinition } from './result.js';
