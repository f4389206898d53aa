/** Test HTTP servers on the loopback address only. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening loopback server: its origin (`http://127.0.0.1:<port>`) and a close that drops open connections. */
export interface Loopback {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Closes every connection and the server. */
  close: () => Promise<void>;
}

/** Listens on 127.0.0.1 at a free port. */
export async function listenLoopback(server: Server): Promise<Loopback> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
