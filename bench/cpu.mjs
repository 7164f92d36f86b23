// CPU time of a process, for `--clock=cpu` (Linux only): the nanoseconds its threads spent
// on a CPU, from /proc/<pid>/task/<tid>/schedstat (first field). On a machine shared with
// other work, a run's CPU time moves far less than its wall time: time spent waiting for a
// core does not count (cache and frequency effects still do). Node only.
import { readdirSync, readFileSync } from 'node:fs';

/** Nanoseconds on CPU so far, summed over the live threads of process `pid`. */
export function cpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read: its time is gone either way.
    }
  }
  return total;
}

/** The pids of the processes whose parent is `ppid` and whose command line matches `pattern`. */
export function childPids(ppid, pattern) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== ppid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (pattern.test(cmdline)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Whether CPU time can be read here. */
export function cpuClockAvailable() {
  try {
    cpuNs(process.pid);
    return true;
  } catch {
    return false;
  }
}
