/**
 * Known tickers → the words of their sector, so "XOM, CVX and OXY" meets a lesson about holding
 * several oil stocks at once. Small on purpose: widely held US names and ETFs whose sector is not
 * in doubt; tickers that are also English words (T, C, F, ON, IT, ALL, NOW, LOW, SO …) are left out, and a ticker
 * counts only when written in capitals. Sector words are plain English the word vectors know.
 */
const SECTORS: Record<string, string[]> = {
  'oil energy': ['XOM', 'CVX', 'OXY', 'COP', 'EOG', 'DVN', 'HES', 'MPC', 'PSX', 'VLO', 'APA', 'FANG', 'BP', 'SHEL', 'XLE', 'USO'],
  'oil services energy': ['SLB', 'HAL', 'BKR', 'OIH'],
  'semiconductor chip technology': ['NVDA', 'AMD', 'INTC', 'AVGO', 'QCOM', 'TXN', 'MU', 'TSM', 'ASML', 'AMAT', 'LRCX', 'KLAC', 'SMH', 'SOXX'],
  'software technology': ['MSFT', 'ORCL', 'CRM', 'ADBE', 'PLTR', 'SNOW'],
  'internet technology': ['GOOGL', 'GOOG', 'META', 'AMZN', 'NFLX', 'AAPL', 'XLK', 'QQQ'],
  'electric car automaker': ['TSLA', 'RIVN', 'LCID'],
  'bank financial': ['JPM', 'BAC', 'WFC', 'GS', 'MS', 'SCHW', 'XLF', 'KRE'],
  'pharmaceutical drug healthcare': ['PFE', 'MRK', 'JNJ', 'LLY', 'ABBV', 'BMY', 'NVO', 'UNH', 'XLV'],
  'biotech drug healthcare': ['MRNA', 'BIIB', 'VRTX', 'REGN', 'XBI'],
  'retail consumer': ['WMT', 'TGT', 'HD', 'XRT'],
  'airline travel': ['DAL', 'UAL', 'AAL', 'LUV', 'JETS'],
  'index fund broad market': ['SPY', 'VOO', 'IVV', 'DIA', 'IWM', 'VTI'],
  'volatility index': ['VIX', 'VXX', 'UVXY'],
  'bitcoin crypto': ['COIN', 'MSTR', 'IBIT', 'GBTC'],
  'gold metal': ['GLD', 'GDX', 'NEM'],
  'treasury bond': ['TLT', 'IEF', 'SHY'],
  'utility electricity': ['NEE', 'DUK', 'XLU'],
};

export const TICKER_SECTORS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SECTORS).flatMap(([words, tickers]) => tickers.map((t) => [t, words])),
);

/** The sector words of the known tickers written in capitals in the text (each word once). */
export function tickerWords(text: string): string[] {
  const out = new Set<string>();
  for (const t of text.match(/\b[A-Z]{1,5}\b/g) ?? []) if (Object.hasOwn(TICKER_SECTORS, t)) for (const w of TICKER_SECTORS[t]!.split(' ')) out.add(w);
  return [...out];
}
