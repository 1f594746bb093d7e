import http from 'node:http';
import net from 'node:net';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe listener'));
      });
    });
  });
}

/** Resolves true when something listens on host:port. */
export async function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly setting: string,
  ) {
    super(
      `Port ${port} for ${what} is already in use. Stop whatever holds it, or choose another port with ${setting}.`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Starts `server` on 127.0.0.1 (a free port unless one is given) and resolves with its base URL
 * (`http://127.0.0.1:port`). A port already taken rejects with PortInUseError naming `setting`.
 */
export async function listenOnLoopback(
  server: http.Server,
  port: number | undefined,
  what: string,
  setting: string,
): Promise<string> {
  // Longer than any client keeps an idle socket, so a reused socket is never closed under a request (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' && port ? new PortInUseError(port, what, setting) : err);
    };
    server.once('error', onError);
    server.listen(port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/** Stops a server started by listenOnLoopback, closing its open connections. */
export async function closeServer(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One HTTP server on 127.0.0.1 that starts and stops (the simulators' listener). */
export class LoopbackServer {
  private server: http.Server | undefined;
  private baseUrl: string | undefined;

  /** `what` names it in errors (`the local ARM simulator`); `setting` is the setting that picks its port. */
  constructor(
    private readonly what: string,
    private readonly setting: string,
  ) {}

  /** Listens (a free port unless one is given) and resolves with the base URL. */
  async start(handler: http.RequestListener, port?: number): Promise<string> {
    if (this.server) throw new Error(`${this.what} is already started`);
    const server = http.createServer(handler);
    this.baseUrl = await listenOnLoopback(server, port, this.what, this.setting);
    this.server = server;
    return this.baseUrl;
  }

  /** The base URL while started, else undefined. */
  get url(): string | undefined {
    return this.baseUrl;
  }

  /** The base URL (`http://127.0.0.1:port`); throws when not started. */
  get endpoint(): string {
    if (!this.baseUrl) throw new Error(`${this.what} is not started`);
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    await closeServer(server);
  }
}
