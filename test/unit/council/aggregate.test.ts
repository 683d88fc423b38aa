import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateVotes, type MemberOutcome } from '../../../src/council/aggregate.js';
import { parseVote } from '../../../src/council/vote.js';

let n = 0;
const valid = (vote: 'APPROVE' | 'REJECT' | 'ABSTAIN', confidence = 0.8): MemberOutcome => ({
  member: n++,
  tier: 'reasoning',
  model_requested: 'm',
  model_served: 'm',
  status: 'valid',
  vote,
  confidence,
  reasoning: 'r',
  error: null,
  latency_ms: 1,
  cost_usd: 0,
  downgrade_step: 0,
});
const broken = (status: 'invalid' | 'failed' | 'timeout'): MemberOutcome => ({
  member: n++,
  tier: 'options',
  model_requested: 'k',
  model_served: null,
  status,
  vote: null,
  confidence: null,
  reasoning: null,
  error: { code: 'X', message: 'x' },
  latency_ms: 1,
  cost_usd: 0,
  downgrade_step: null,
});

describe('aggregateVotes', () => {
  it('decides by majority with consensus, average confidence and outliers', () => {
    const a = aggregateVotes([valid('APPROVE', 0.9), valid('APPROVE', 0.7), valid('REJECT', 0.5)], 2);
    expect(a.decision).toBe('APPROVE');
    expect(a.consensus).toBeCloseTo(2 / 3, 4);
    expect(a.high_consensus).toBe(false);
    expect(a.average_confidence).toBeCloseTo(0.7, 4);
    expect(a.outliers.map((o) => o.vote)).toEqual(['REJECT']);
    expect(a.breakdown).toEqual({ APPROVE: 2, REJECT: 1, ABSTAIN: 0, invalid: 0, failed: 0, timeout: 0 });
  });

  it('flags high consensus at 0.7 or more', () => {
    expect(aggregateVotes([valid('REJECT'), valid('REJECT')], 2)).toMatchObject({ decision: 'REJECT', consensus: 1, high_consensus: true });
    const three = aggregateVotes(
      [
        valid('APPROVE'),
        valid('APPROVE'),
        valid('APPROVE'),
        valid('REJECT'),
        valid('APPROVE'),
        valid('APPROVE'),
        valid('APPROVE'),
        valid('REJECT'),
        valid('REJECT'),
        valid('APPROVE'),
      ],
      2,
    );
    expect(three.consensus).toBe(0.7);
    expect(three.high_consensus).toBe(true);
  });

  it('never turns failures, timeouts or invalid answers into votes', () => {
    const a = aggregateVotes([valid('APPROVE'), broken('failed'), broken('timeout'), broken('invalid')], 2);
    expect(a.decision).toBe('NO_QUORUM');
    expect(a.valid_votes).toBe(1);
    expect(a.breakdown).toEqual({ APPROVE: 1, REJECT: 0, ABSTAIN: 0, invalid: 1, failed: 1, timeout: 1 });
    expect(a.high_consensus).toBe(false);
  });

  it('reaches a decision with a quorum despite one failing member', () => {
    const a = aggregateVotes([valid('APPROVE'), broken('failed'), valid('APPROVE')], 2);
    expect(a).toMatchObject({ decision: 'APPROVE', valid_votes: 2, consensus: 1 });
  });

  it('never resolves a tie to APPROVE', () => {
    expect(aggregateVotes([valid('APPROVE'), valid('REJECT')], 2).decision).toBe('REJECT');
    expect(aggregateVotes([valid('APPROVE'), valid('ABSTAIN')], 2).decision).toBe('ABSTAIN');
    expect(aggregateVotes([valid('APPROVE'), valid('APPROVE'), valid('REJECT'), valid('ABSTAIN')], 2).decision).toBe('REJECT');
    expect(aggregateVotes([valid('ABSTAIN'), valid('ABSTAIN'), valid('REJECT')], 2).decision).toBe('ABSTAIN');
  });
});

describe('parseVote', () => {
  it('accepts exactly the vote schema', () => {
    expect(parseVote('{"vote":"REJECT","confidence":0.4,"reasoning":"too big"}')).toEqual({
      ok: true,
      vote: { vote: 'REJECT', confidence: 0.4, reasoning: 'too big' },
    });
    expect(parseVote('```json\n{"vote":"ABSTAIN","confidence":1,"reasoning":"x"}\n```').ok).toBe(true);
    expect(parseVote('<think>hmm</think>\n{"vote":"APPROVE","confidence":0,"reasoning":"x"}').ok).toBe(true);
  });

  it.each([
    ['prose', 'I approve this trade.'],
    ['truncated JSON', '{"vote":"APPROVE","confidence":0.9'],
    ['extra key', '{"vote":"APPROVE","confidence":0.9,"reasoning":"x","order_hash":"y"}'],
    ['missing key', '{"vote":"APPROVE","confidence":0.9}'],
    ['lowercase vote', '{"vote":"approve","confidence":0.9,"reasoning":"x"}'],
    ['confidence above 1', '{"vote":"APPROVE","confidence":1.5,"reasoning":"x"}'],
    ['confidence as string', '{"vote":"APPROVE","confidence":"0.9","reasoning":"x"}'],
    ['empty reasoning', '{"vote":"APPROVE","confidence":0.9,"reasoning":"  "}'],
    ['array', '[{"vote":"APPROVE","confidence":0.9,"reasoning":"x"}]'],
    ['empty', ''],
  ])('refuses %s', (_name, content) => {
    expect(parseVote(content).ok).toBe(false);
  });
});

describe('aggregateVotes properties (fast-check)', () => {
  const outcomeArb = fc.oneof(
    fc.record({
      kind: fc.constant('valid' as const),
      vote: fc.constantFrom('APPROVE', 'REJECT', 'ABSTAIN') as fc.Arbitrary<'APPROVE' | 'REJECT' | 'ABSTAIN'>,
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    fc.record({ kind: fc.constantFrom('invalid', 'failed', 'timeout') as fc.Arbitrary<'invalid' | 'failed' | 'timeout'> }),
  );
  const build = (xs: Array<{ kind: string; vote?: 'APPROVE' | 'REJECT' | 'ABSTAIN'; confidence?: number }>) =>
    xs.map((x) => (x.kind === 'valid' ? valid(x.vote!, x.confidence!) : broken(x.kind as 'invalid' | 'failed' | 'timeout')));
  const councils = fc.tuple(fc.array(outcomeArb, { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 5 }));

  it('APPROVE only with a quorum and more than half of the valid votes', () => {
    fc.assert(
      fc.property(councils, ([xs, quorum]) => {
        const a = aggregateVotes(build(xs), quorum);
        if (a.decision !== 'APPROVE') return true;
        return a.valid_votes >= quorum && a.breakdown.APPROVE * 2 > a.valid_votes;
      }),
    );
  });

  it('non-votes (invalid, failed, timeout) never change the decision among the valid votes beyond the quorum count', () => {
    fc.assert(
      fc.property(councils, ([xs, quorum]) => {
        const all = aggregateVotes(build(xs), quorum);
        const onlyValid = aggregateVotes(build(xs.filter((x) => x.kind === 'valid')), quorum);
        return all.decision === onlyValid.decision && all.consensus === onlyValid.consensus;
      }),
    );
  });

  it('an approving member that fails instead never turns a non-approval into APPROVE', () => {
    fc.assert(
      fc.property(councils, fc.nat(), ([xs, quorum], pick) => {
        const approvals = xs.map((x, i) => (x.kind === 'valid' && x.vote === 'APPROVE' ? i : -1)).filter((i) => i >= 0);
        if (!approvals.length) return true;
        const i = approvals[pick % approvals.length]!;
        const before = aggregateVotes(build(xs), quorum).decision;
        const after = aggregateVotes(build(xs.map((x, j) => (j === i ? { kind: 'failed' } : x))), quorum).decision;
        return before === 'APPROVE' || after !== 'APPROVE';
      }),
    );
  });
});
