// CPU time and memory of a process, from /proc (Linux), for the benchmarks.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second, the unit of utime and stime in /proc/PID/stat. */
export function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/**
 * CPU time of a process in seconds, summed over its threads from /proc/PID/task/TID/schedstat
 * (nanoseconds): precise where utime + stime count whole clock ticks (10 ms each), which over a
 * 10 s idle interval of 11 processes is an error of up to 0.01 of a core.
 */
export function cpuSecondsPrecise(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

/** utime and stime of a process (all its threads), in clock ticks. */
export function cpuTicksSplit(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), system: Number(fields[12]) }; // fields 14 and 15 of proc(5)
}

/** A `VmXXX` line of /proc/PID/status in MiB (the kernel reports kB = KiB). */
export function vmMiB(pid, key) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  if (m === null) throw new Error(`/proc/${pid}/status has no ${key}`);
  return Number(m[1]) / 1024;
}
