/** The loopback Alpaca's market data (test/support/fake-alpaca/market-data.ts), for tests that build contracts or snapshots. */
export * from './fake-alpaca/market-data.js';
