/**
 * A libp2p component logger that does nothing, for when nobody asked for libp2p's debug output.
 *
 * libp2p's default logger builds two or three `debug` instances for every component, connection
 * and stream (each checks the `DEBUG` patterns and whether stderr is a terminal), even though
 * they print nothing unless `DEBUG` names them: ~20 ms of a CLI command's ten dials (cpu
 * profile of a 4 KiB put). With `DEBUG` set, nodes use libp2p's logger as before.
 */
import type { ComponentLogger, Logger } from '@libp2p/interface';

const noop = (): void => undefined;

const silent: Logger = Object.assign((): void => undefined, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Logger => silent,
});

/** A logger whose every component logs nothing. */
export const silentComponentLogger: ComponentLogger = { forComponent: () => silent };

/** libp2p's own logger (undefined: its default) when `DEBUG` is set, else the silent one. */
export function defaultComponentLogger(
  env: NodeJS.ProcessEnv = process.env,
): ComponentLogger | undefined {
  return env.DEBUG !== undefined && env.DEBUG !== '' ? undefined : silentComponentLogger;
}
