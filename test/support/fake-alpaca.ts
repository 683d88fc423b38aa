/** The loopback Alpaca (test/support/fake-alpaca/): start it with startFakeAlpaca(); see fake-alpaca/index.ts for what it serves. */
export * from './fake-alpaca/index.js';
