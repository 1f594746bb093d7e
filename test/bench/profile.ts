/**
 * A CPU profile of this process while a phase runs (V8's sampling profiler through node:inspector),
 * written as a .cpuprofile (Chrome DevTools and speedscope open it) and summed up: the functions
 * with the most self time, self time by where the code lives, and by side: the host's or the
 * worker's (see {@link sideOf}).
 *
 * Self time is counted in samples, each the same share, not weighted by the time since the sample
 * before: on a machine whose cores the other processes share, that gap holds whatever kept the
 * process or the sampling thread off a core (up to 9 ms between samples taken every 0.2 ms), and
 * the one sample after it took all of it. Weighted so, the response write (the system call that
 * wakes the client) looked twice its share, garbage collection likewise, and the sample that stops
 * the profiler, after the phase's last wait, a tenth of a phase.
 */
import { Session } from 'node:inspector/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, sum } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a profile named `name` goes: a folder of the temp directory, the name stamped with the time. */
export function profileFile(name: string): string {
  return path.join(
    os.tmpdir(),
    'gallery-catalog-bench',
    `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
  );
}

export async function profiled<T>(file: string, phase: () => Promise<T>): Promise<{ value: T; summary: string[] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const cpuBefore = process.cpuUsage();
    const value = await phase();
    const cpu = process.cpuUsage(cpuBefore);
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return { value, summary: summarize(profile, (cpu.user + cpu.system) / 1000) };
  } finally {
    session.disconnect();
  }
}

/** Where a function's code lives, for the by-area sum. */
function areaOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native or builtin)';
  if (url.startsWith('node:'))
    return url.includes('http') || url.includes('net') || url.includes('stream')
      ? 'node: http, net, streams'
      : 'node: other';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) {
    const pkg = nm[1] as string;
    if (pkg.startsWith('@azure/core-') || pkg === '@azure/abort-controller' || pkg === '@typespec/ts-http-runtime')
      return 'Azure SDK core (pipeline, HTTP)';
    return pkg;
  }
  const own = /\/dist\/((?:test\/bench|dev\/runtime|dev|shared\/[^/]+|functions|app)\b)/.exec(url);
  return own ? `app: ${own[1]}` : url.replace(/^file:\/\//, '');
}

/**
 * Frames of the worker's side: the app, the packages it loads (`@azure/functions`, the SDKs), the
 * worker's half of the local runtime and Node's HTTP client (only the app's clients make requests
 * in a bench phase).
 */
const WORKER_FRAME =
  /\/node_modules\/|\/dist\/(shared|functions|app)\/|\/dist\/index\.js$|\/dist\/dev\/runtime\/worker\.js|^node:_http_(client|agent)$/;
/** Frames of the host's side: the local runtime's host half and Node's HTTP server. */
const HOST_FRAME = /\/dist\/dev\/runtime\/(?!worker\.js)[^/]+\.js$|^node:_http_server$/;

/**
 * Which side a sample's work is on: `worker` when its stack holds a frame of the worker's side (the
 * host's code that calls into the worker counts as the worker's from there on), else `host` when it
 * holds one of the host's (Node's HTTP server parsing a request, the local runtime routing it,
 * the response written to the client), else `neither`: garbage collection, the microtask loop, V8.
 * In Azure the host's side runs in the Functions host's process, not the worker's.
 */
export function sideOf(urls: readonly string[]): 'worker' | 'host' | 'neither' {
  if (urls.some((url) => WORKER_FRAME.test(url))) return 'worker';
  if (urls.some((url) => HOST_FRAME.test(url))) return 'host';
  return 'neither';
}

function summarize(profile: CpuProfile, cpuMs: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const stackUrls = (id: number): string[] => {
    const urls: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const url = byId.get(at)?.callFrame.url;
      if (url) urls.push(url);
    }
    return urls;
  };
  const selfSamples = new Map<number, number>();
  for (const id of profile.samples ?? []) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  // Idle samples are the process waiting (on the client, on Azurite): left out, so shares are of the samples that ran code.
  for (const n of profile.nodes) if (n.callFrame.functionName === '(idle)') selfSamples.delete(n.id);
  const total = sum([...selfSamples.values()]);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const bySide = new Map<string, number>();
  for (const [id, count] of selfSamples) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules\/|dist\/)/, '$1')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + count);
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + count);
    const side = sideOf(stackUrls(id));
    bySide.set(side, (bySide.get(side) ?? 0) + count);
  }
  const pct = (count: number) => `${fmt((count / total) * 100).padStart(5)} %`;
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const areas = [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return [
    `${total} samples that ran code (idle left out) over ${fmt(cpuMs, 0)} ms of this process's CPU in the phase; self time by function, in samples (top 15):`,
    ...top.map(([k, count]) => `  ${pct(count)}  ${k}`),
    'self time by area:',
    ...areas.map(([k, count]) => `  ${pct(count)}  ${k}`),
    `by side (the samples whose stack holds the worker's code, else the host's; in Azure the host's side is the Functions host's process): worker ${pct(bySide.get('worker') ?? 0).trim()}, host ${pct(bySide.get('host') ?? 0).trim()}, neither (GC, microtask loop, V8) ${pct(bySide.get('neither') ?? 0).trim()}`,
  ];
}
