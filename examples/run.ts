/**
 * The seed's run.py, in TypeScript: fingerprint the traffic on an interface and answer API
 * queries about what was seen on a unix socket.
 *
 *   sudo node --import tsx examples/run.ts [iface] [socket]      (default: eth0 /tmp/sock)
 *
 * Ask it about a host with examples/client.ts (or p0f-client). Ctrl-C stops it cleanly
 * (capture closed, socket removed). Uncomment en_daemon_mode() to leave it running in the
 * background instead: the p0f command is then started detached and this script exits.
 */
import * as p0fmod from 'p0f/p0fmod';

const [iface = 'eth0', sock = '/tmp/sock'] = process.argv.slice(2);

p0fmod.set_iface(iface);
p0fmod.set_api_sock(sock);
// p0fmod.en_daemon_mode();
const rc = p0fmod.start_p0f();

// start_p0f() does not block: the sensor runs on this process's event loop. Its exit
// status (0, or 1 after a fatal error such as a missing interface) comes with wait_p0f().
process.exitCode = rc < 0 && rc > -5 ? 1 : await p0fmod.wait_p0f();
