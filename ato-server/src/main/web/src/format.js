// Human units for the Done record.

const SIGNALS = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS',
  8: 'SIGFPE', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE',
  14: 'SIGALRM', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ', 31: 'SIGSYS',
};

/** Nanoseconds as seconds with three decimals ("0.012 s"). */
export function seconds(ns) {
  return `${(Number(ns) / 1e9).toFixed(3)} s`;
}

/** KiB as the largest unit that keeps the number >= 1 ("3.2 MiB"). */
export function kibibytes(kib) {
  let v = Number(kib);
  for (const unit of ['KiB', 'MiB', 'GiB']) {
    if (v < 1024 || unit === 'GiB') return `${unit === 'KiB' ? v : v.toFixed(1)} ${unit}`;
    v /= 1024;
  }
  return `${v} GiB`;
}

/** The exit status in words, from ATO's status_type and status_value. */
export function status(type, value) {
  switch (type) {
    case 'exited':
      return `exited with code ${value}`;
    case 'killed': {
      const name = SIGNALS[value];
      return `killed by signal ${value}${name ? ` (${name})` : ''}`;
    }
    case 'core_dumped': {
      const name = SIGNALS[value];
      return `killed by signal ${value}${name ? ` (${name})` : ''}, core dumped`;
    }
    default:
      return `${type} ${value}`;
  }
}

/** The Done record as [label, text] rows, in the order a person reads them. */
export function doneRows(d) {
  const flags = [];
  if (d.timed_out) flags.push('timed out');
  if (d.oom_killed) flags.push('out of memory');
  if (d.stdout_truncated) flags.push('stdout truncated');
  if (d.stderr_truncated) flags.push('stderr truncated');
  return [
    ['Status', status(d.status_type, d.status_value)],
    ['Limits', flags.length ? flags.join(', ') : 'none hit'],
    ['Real time', seconds(d.real)],
    ['User time', seconds(d.user)],
    ['Kernel time', seconds(d.kernel)],
    ['Peak memory', kibibytes(d.max_mem)],
    ...(d.cgroup_max_mem === undefined ? [] : [['Charged to the run', kibibytes(d.cgroup_max_mem)]]),
    ['Waits / preemptions', `${d.waits} / ${d.preemptions}`],
    ['Page faults (major / minor)', `${d.major_page_faults} / ${d.minor_page_faults}`],
    ['I/O operations (in / out)', `${d.input_ops} / ${d.output_ops}`],
  ];
}
