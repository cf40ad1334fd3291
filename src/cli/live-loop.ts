/**
 * Live mode of the p0f command: the Sensor's live start-up (capture, filter, log, API
 * socket, -u, in p0f's order) plus what only the command does: -d's detach where p0f
 * forks, console output, p0f's signal handling and its closing lines.
 *
 * Signals follow p0f's abort_handler: the first SIGINT/SIGTERM (and SIGHUP unless -d)
 * asks for a clean stop (the capture is closed, the log flushed and closed, the API
 * socket closed and removed); a second one exits at once with status 1.
 */
import { closeSync } from 'node:fs';
import type { LiveCapture } from '../capture/live.ts';
import type { P0fSettings } from '../control/settings.ts';
import { Sensor, type SensorHooks } from '../control/sensor.ts';
import type { Database } from '../db/types.ts';
import type { Engine } from '../engine/engine.ts';
import { daemonDetach, openNullFd } from './daemon.ts';
import type { CliIo } from './io.ts';
import { attachOutputs } from './p0f.ts';

export interface LiveDeps {
  /** Capture tuning (ring size, batch size, timeout); p0f's choices otherwise. */
  capture?: SensorHooks['capture'];
  /** Called once the loop runs (tests and benchmarks look at the capture and engine). */
  onRunning?: (run: LiveRun) => void;
}

export interface LiveRun {
  sensor: Sensor;
  capture: LiveCapture;
  engine: Engine;
  /** Ask for the same clean stop as a first SIGINT. */
  stop(): void;
}

export async function runLive(s: P0fSettings, db: Database, io: CliIo, deps: LiveDeps = {}): Promise<number> {
  const warn = (msg: string) => io.err(`[!] WARNING: ${msg}\n`);
  // p0f opens /dev/null before dropping privileges: the chroot hides it.
  let nullFd = s.daemon ? openNullFd() : -1;
  const signals: [NodeJS.Signals, () => void][] = [];
  try {
    const sensor = new Sensor({ ...s, db }, {
      status: (l) => io.out(l),
      warning: warn,
      error: (t) => io.err(t),
      capture: deps.capture,
      // Where p0f forks: the daemon child hands its output over and tells the parent.
      beforeLoop: () => {
        if (!s.daemon) return;
        io.flush();
        const fd = nullFd;
        nullFd = -1;
        daemonDetach(fd);
      },
      // p0f's stdout is line-buffered: show each batch's report at once.
      afterBatch: () => io.flush(),
    });
    attachOutputs(sensor, s, io);
    await sensor.start();
    io.flush();

    let stopping = false;
    const requestStop = () => {
      if (stopping) process.exit(1);
      stopping = true;
      void sensor.stop();
    };
    const on = (sig: NodeJS.Signals, fn: () => void) => {
      process.on(sig, fn);
      signals.push([sig, fn]);
    };
    // Installed where p0f installs them: after start-up.
    on('SIGINT', requestStop);
    on('SIGTERM', requestStop);
    on('SIGHUP', s.daemon ? () => {} : requestStop);
    deps.onRunning?.({ sensor, capture: sensor.liveCapture!, engine: sensor.engine!, stop: requestStop });
    const result = await sensor.finished;
    io.flush();
    if (result.stopped) warn('User-initiated shutdown.');
    if (!s.daemon) io.out(`\nAll done. Processed ${result.packets} packets.\n`);
    return 0;
  } finally {
    for (const [sig, fn] of signals) process.off(sig, fn);
    if (nullFd >= 0) closeSync(nullFd);
  }
}
