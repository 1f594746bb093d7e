// The ARM simulator's own process (see arm-process.ts): listens on a free port, sends its endpoint,
// applies the resources it is sent, answers request counts, and stops when the parent disconnects.
import { ArmSimulator, type ArmSimulatorOptions } from '../../dev/arm-simulator.js';
import type { ArmProcessReply, ArmProcessRequest } from './arm-process.js';

const sim = new ArmSimulator(JSON.parse(process.argv[2] ?? '{}') as ArmSimulatorOptions);
const { endpoint } = await sim.start();
const reply = (r: ArmProcessReply): void => {
  process.send?.(r);
};
process.on('message', (m) => {
  const request = m as ArmProcessRequest;
  try {
    if (request.op === 'put') {
      for (const r of request.resources) sim.put(r);
      reply({ id: request.id, ok: true });
    } else reply({ id: request.id, ok: true, counts: sim.requestCount });
  } catch (err) {
    reply({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
process.once('disconnect', () => {
  void sim.stop().then(() => process.exit(0));
});
process.send?.({ endpoint });
