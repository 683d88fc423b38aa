import { describe, expect, test } from 'vitest';
import { analyse, ftsText, normalise, sessionOf, stemOf } from '../../../src/lessons/text/analyse.js';
import { tickerWords } from '../../../src/lessons/text/tickers.js';

const terms = (text: string) => analyse(text).terms;

describe('text analysis (lessons and queries alike)', () => {
  test('"timed out" is a timeout, "three times" a multiple: they share no term (issue 20)', () => {
    const query = terms('my order timed out, should I resend it');
    const lesson = terms('The stock gapped 22% on guidance, three times the implied move');
    expect(query).toContain('timeout');
    expect(lesson).toContain('multipl');
    expect(query.filter((t) => lesson.includes(t))).toEqual([]);
    for (const form of ['timed out', 'timing out', 'times out', 'time-out', 'timeouts', 'a timeout']) expect(terms(form), form).toContain('timeout');
    for (const form of ['3 times the size', '2x the size', 'strike times 1000', 'several times its usual width'])
      expect(terms(form), form).toContain('multipl');
    // plain "times" and "timed" stay words about time
    expect(terms('the times of day it trades')).toContain('time');
    expect(terms('timed the entry')).toContain('time');
  });

  test('Porter2 stems from the porter2 package: inflections meet, distinct words stay apart', () => {
    expect(stemOf('assigned')).toBe(stemOf('assignment'));
    expect(stemOf('earnings')).toBe(stemOf('earning'));
    expect(stemOf('condors')).toBe('condor');
    expect(stemOf('news')).toBe('news');
    expect(stemOf('generous')).not.toBe(stemOf('generate'));
  });

  test('clock times become the session they fall in (Eastern unless another zone is named)', () => {
    expect(terms("it's 7:30 am Eastern and I want to buy right now at whatever price")).toEqual(
      expect.arrayContaining(['premarket', 'open', 'extend', 'hour', 'buy', 'market', 'order']),
    );
    expect(normalise('buy at 9:31')).toContain('open');
    expect(normalise('sell at 3:55 pm')).toContain('close');
    expect(normalise('at 4:15 pm ET')).toContain('afterhours');
    expect(normalise('at 6:30 am PT')).toContain(' open ');
    expect(normalise('at 14:40 UTC')).toContain(' open ');
    expect(normalise('at 11 pm')).toContain('overnight');
    // a bare number is not a time
    expect(normalise('sold 930 shares')).toContain('930');
    expect(sessionOf(12 * 60)).toBe('intraday');
  });

  test('known tickers in capitals add their sector words; lower case and English-word tickers do not', () => {
    expect(tickerWords('already long XOM, CVX and OXY')).toEqual(['oil', 'energy']);
    expect(tickerWords('adding SLB')).toEqual(['oil', 'services', 'energy']);
    expect(tickerWords('NVDA and AMD')).toEqual(['semiconductor', 'chip', 'technology']);
    expect(tickerWords('xom is lower case; IT and ALL are words')).toEqual([]);
    expect(terms('already long XOM, CVX and OXY')).toEqual(expect.arrayContaining(['oil', 'energi']));
  });

  test('status codes, money, percentages and field jargon carry their meaning', () => {
    expect(terms('Alpaca returns 503 errors')).toEqual(expect.arrayContaining(['server', 'error', 'outag']));
    expect(terms('got a 429')).toEqual(expect.arrayContaining(['rate', 'limit']));
    expect(terms('now getting 401')).toEqual(expect.arrayContaining(['unauthor', 'credenti']));
    expect(terms('copied the .env from the other box, assuming it is the sandbox account')).toEqual(
      expect.arrayContaining(['env', 'credenti', 'sandbox', 'paper']),
    );
    expect(terms('0DTE SPX calls')).toEqual(expect.arrayContaining(['0dte', 'expir', 'day']));
    expect(terms('pre-market order')).toEqual(expect.arrayContaining(['premarket']));
    expect(terms('meant $100, risked 5%')).toEqual(expect.arrayContaining(['dollar', 'percent']));
  });

  test('agent idioms: no price limit is a market order, too many requests a rate limit, betting against a short', () => {
    for (const form of ['buy at whatever the price is', 'sell at any price', 'at whatever price', 'entering long with no price cap', 'send it without a limit'])
      expect(terms(form), form).toEqual(expect.arrayContaining(['market', 'order']));
    // a limit price is not a market order, nor is "any" next to another word
    expect(terms('a limit price near the bid')).not.toContain('market');
    expect(terms('any price target works')).not.toContain('market');
    expect(terms('too many requests from the model router')).toEqual(expect.arrayContaining(['rate', 'limit']));
    expect(terms('betting against a meme name')).toContain('short');
    expect(terms('I bet against the crowd')).toContain('short');
  });

  test('stop words out, hyphenated words split, the full-text form is the stems joined', () => {
    expect(terms("don't use a stop-loss on the open")).toEqual(['use', 'stop', 'loss', 'open']);
    expect(ftsText('Iron condors were tested')).toBe('iron condor test');
    expect(terms('')).toEqual([]);
    // words that are also Object.prototype keys are plain words
    expect(terms('the constructor of toString and valueOf hasOwnProperty')).toEqual(['constructor', 'tostr', 'valueof', 'hasownproperti']);
  });
});
