import fs from 'node:fs';

/**
 * CPU seconds (user + system) used so far by a process and its children (nginx's worker, say), read
 * from /proc (clock ticks of 1/100 s, Linux's USER_HZ); NaN once the process is gone.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let total = (Number(f[11]) + Number(f[12])) / 100;
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const k of kids ? kids.split(' ') : []) total += cpuSeconds(Number(k));
    return total;
  } catch {
    return NaN;
  }
}
