import { labDevices, makePlan, type PlanOptions } from './plan';
import { Prng } from './prng';

const options = (seed: number, runs = 30): PlanOptions => ({
  seed,
  runs,
  devices: labDevices(24),
  apis: 2,
  workers: ['a1', 'b1', 'ab1'],
  killable: { 'worker-a1': 3, 'api-1': 2, temporal: 2, postgres: 2 },
});
const take = <T>(gen: Generator<T>, n: number): T[] => Array.from({ length: n }, () => gen.next().value as T);

describe('chaos plan', () => {
  it('is the same for the same seed: runs, kills and faults', () => {
    const [a, b] = [makePlan(options(7)), makePlan(options(7))];
    expect(a.runs).toEqual(b.runs);
    expect(take(a.kills(), 20)).toEqual(take(b.kills(), 20));
    expect(take(a.faults(), 20)).toEqual(take(b.faults(), 20));
  });

  it('differs for another seed, and a longer run keeps the kills and faults of a shorter one', () => {
    expect(makePlan(options(7)).runs).not.toEqual(makePlan(options(8)).runs);
    const [short, long] = [makePlan(options(7, 10)), makePlan(options(7, 100))];
    expect(long.runs.slice(0, 10)).toEqual(short.runs);
    expect(take(long.kills(), 10)).toEqual(take(short.kills(), 10));
  });

  it('mixes every kind of run and gives each change run its own addresses', () => {
    const plan = makePlan(options(3, 100));
    const kinds = new Set(plan.runs.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['change', 'collection', 'schedule', 'task']);
    const ips = plan.runs.flatMap((r) => (r.kind === 'change' ? r.ips : []));
    expect(new Set(ips).size).toBe(ips.length);
    const kills = take(plan.kills(), 200).map((k) => k.component);
    expect(new Set(kills)).toEqual(new Set(['worker-a1', 'api-1']));
    const infra = take(plan.kills('infra'), 200).map((k) => k.component);
    expect(new Set(infra)).toEqual(new Set(['temporal', 'postgres']));
  });

  it('Prng: uniform enough, integers in range', () => {
    const prng = new Prng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[prng.int(0, 3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});
