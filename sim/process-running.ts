// Whether a process still runs, for the records that processes leave behind them (a synth's lock,
// a running kit's record): a process killed with SIGKILL never removes its own.

/** Whether process `pid` exists: signal 0 checks without sending anything. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
