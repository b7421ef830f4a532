// Which 10.N.0.0/16s a host's routes already reach into, so the simulated pods' range never shadows a real network.
// The route lines are of the form `ip -4 -o route show table all` prints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secondOctetsRouted } from '../../cluster/simulated-pods.ts';

const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);

describe('secondOctetsRouted', () => {
  it('takes a /16 or longer route, or a lone address, as its own 10.N', () => {
    const routes = [
      'default via 192.0.2.1 dev eth0',
      '10.213.24.0/24 dev rcbr1 proto kernel scope link src 10.213.24.1',
      'local 10.180.0.0/16 dev rcsim2 table local scope host',
      '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2',
    ].join('\n');
    assert.deepEqual(sorted(secondOctetsRouted(routes)), [180, 213]);
  });

  it('takes a shorter route as every 10.N it covers', () => {
    assert.deepEqual(
      sorted(secondOctetsRouted('10.160.0.0/12 via 192.0.2.1 dev eth0')),
      [160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175],
    );
    assert.equal(secondOctetsRouted('10.0.0.0/8 dev eth1 scope link').size, 256);
  });

  it('ignores addresses outside 10.0.0.0/8', () => {
    assert.equal(secondOctetsRouted('172.10.3.0/24 dev eth2\n192.168.10.0/24 dev eth3\n110.5.0.0/16 dev eth4').size, 0);
  });
});
