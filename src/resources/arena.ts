import { defineResource } from '../resource.js';

/** How many rounds and ModelChat entries trading://arena shows (newest first). */
export const RECENT_ARENA = { rounds: 20, chat: 50 } as const;

export const arenaResource = defineResource({
  uri: 'trading://arena',
  name: 'arena',
  title: 'Arena: leaderboard, rounds and ModelChat',
  description: `The arena leaderboard (marked at the current mids), the ${RECENT_ARENA.rounds} most recent rounds, and the ${RECENT_ARENA.chat} most recent ModelChat entries (prompt digest, full reply, reasoning, model, cost, latency).`,
  requiresTool: 'get_leaderboard',
  async read(deps) {
    const [{ getArenaStore }, { boardNow }, { getBroker }] = await Promise.all([
      import('../arena/store.js'),
      import('../arena/board.js'),
      import('../broker/index.js'),
    ]);
    const store = await getArenaStore(deps);
    const board = await boardNow(deps, store, await getBroker(deps).catch(() => null));
    return {
      at: board.at,
      leaderboard: board.rows,
      rounds: await store.recentRounds(RECENT_ARENA.rounds),
      chat: await store.chat({ limit: RECENT_ARENA.chat }),
    };
  },
});
