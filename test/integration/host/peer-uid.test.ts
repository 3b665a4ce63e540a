// Reading the owner of a loopback connection from the kernel's socket table, as the browser host does on Linux.
import { createServer, connect, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { peerUidFromTable, sameUserPeer } from '../../../electron/host/peer-uid';

// Two connections to 127.0.0.1:8080 (0x1F90): from port 0xA000 by uid 1000, from port 0xA001 by uid 1001; plus
// the server's own ends (uid of the server) and a listening socket.
const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:A000 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1
   3: 0100007F:A001 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 4 1 0 20 4 30 10 -1
   4: 0100007F:1F90 0100007F:A001 01 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 20 4 30 10 -1
   5: 0500007F:A002 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1002        0 6 1 0 20 4 30 10 -1
`;
const ends = (remotePort: number, remoteAddress = '127.0.0.1') => ({
  localAddress: '127.0.0.1',
  localPort: 8080,
  remoteAddress,
  remotePort,
});

describe('the owner of a loopback connection', () => {
  it('is the uid on the client end of that connection, not the server end', () => {
    expect(peerUidFromTable(TABLE, ends(0xa000), true)).toBe(1000);
    expect(peerUidFromTable(TABLE, ends(0xa001), true)).toBe(1001);
    expect(peerUidFromTable(TABLE, ends(0xa002, '127.0.0.5'), true)).toBe(1002);
    // Same port, other source address: a different connection.
    expect(peerUidFromTable(TABLE, ends(0xa002), true)).toBeUndefined();
    expect(peerUidFromTable(TABLE, ends(0xbeef), true)).toBeUndefined();
    expect(peerUidFromTable(TABLE, { ...ends(0xa000), remoteAddress: undefined }, true)).toBeUndefined();
  });

  it('refuses another uid and a connection it cannot find; says "unknown" without the table', () => {
    const table = () => TABLE;
    const own = (port: number) => sameUserPeer(ends(port), { table, uid: 1000 });
    expect(own(0xa000)).toBe('same');
    expect(own(0xa001)).toBe('other');
    expect(own(0xbeef)).toBe('other');
    expect(sameUserPeer(ends(0xa000), { table: () => null, uid: 1000 })).toBe('unknown');
    expect(
      sameUserPeer(ends(0xa000), {
        table: () => {
          throw new Error('ENOENT');
        },
        uid: 1000,
      }),
    ).toBe('unknown');
  });

  it.skipIf(!existsSync('/proc/net/tcp'))(
    'finds this process as the owner of its own connection (Linux)',
    async () => {
      const server = createServer();
      const accepted = new Promise<Socket>((r) => server.once('connection', r));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      const client = connect(port, '127.0.0.1');
      const socket = await accepted;
      try {
        expect(sameUserPeer(socket)).toBe('same');
        expect(sameUserPeer(socket, { uid: (process.getuid?.() ?? 0) + 1 })).toBe('other');
      } finally {
        client.destroy();
        socket.destroy();
        await new Promise((r) => server.close(r));
      }
    },
  );
});
