import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from '../../../src/server/metrics/fast-histogram.js';

describe('FastHistogram', () => {
  it('renders exactly what prom-client Histogram renders for the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram({ name: 'h_seconds', help: 'A histogram.', labelNames: ['method', 'route'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'h_seconds', help: 'A histogram.', labelNames: ['method', 'route'], buckets, registers: [theirs] });
    // Bucket bounds are inclusive (le): 0.01 lands in le="0.01"; 5 only in +Inf.
    const observations: [string, string, number][] = [
      ['GET', '/a', 0.0005],
      ['GET', '/a', 0.01],
      ['GET', '/a', 0.5],
      ['POST', '/b "q"', 5],
      ['GET', '/a', 0.001],
    ];
    const child = fast.child('GET', '/a');
    for (const [method, route, seconds] of observations) {
      if (method === 'GET' && route === '/a') child(seconds);
      else fast.observe([method, route], seconds);
      reference.observe({ method, route }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('h_seconds_bucket{le="0.01",method="GET",route="/a"} 3');

    fast.reset();
    reference.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('after a reset, an observer handed out before it records again, as prom-client does after a reset', async () => {
    const buckets = [0.01, 1];
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram({ name: 'r_seconds', help: 'R.', labelNames: ['command'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'r_seconds', help: 'R.', labelNames: ['command'], buckets, registers: [theirs] });
    const kept = fast.child('get'); // what the Redis metrics keep per command
    kept(0.5);
    reference.observe({ command: 'get' }, 0.5);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).not.toContain('r_seconds_count');
    expect(await ours.metrics()).toBe(await theirs.metrics());
    kept(0.005);
    reference.observe({ command: 'get' }, 0.005);
    expect(await ours.metrics()).toContain('r_seconds_count{command="get"} 1');
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // Labels resolved anew after the reset and the old observer share one series.
    ours.resetMetrics();
    theirs.resetMetrics();
    const fresh = fast.child('get');
    fresh(0.5);
    kept(0.5);
    reference.observe({ command: 'get' }, 0.5);
    reference.observe({ command: 'get' }, 0.5);
    expect(await ours.metrics()).toContain('r_seconds_count{command="get"} 2');
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
