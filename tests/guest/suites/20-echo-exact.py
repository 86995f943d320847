#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""20-echo-exact: the echo service returns exactly the bytes it received.

Binary data, NUL bytes, 1-byte messages, a multi-megabyte stream read while
it is being sent, half-close (SHUT_WR) semantics, IPv4 and IPv6, clients
that connect and close at once, in every dispatch mode.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (QUICK, Fail, Skip, Suite, connect, each_dispatch,
                      expect_all_closed,
                      deadline, wait_for,
                      echo_once, echo_stream, expect, have_stats,
                      rand_bytes, recv_until_close, send_then_shutdown, stat, tcp_inuse,
                      unload, wait_inuse, wait_stat, ensure_unloaded, first_diff, sh,
                      softnet_dropped, tcp_ext)

PORT = 12345
STREAM = (1 if QUICK else 3) * 1024 * 1024
SMALL_ROUNDS = 50 if QUICK else 300


def t_all_bytes(fam):
    data = bytes(range(256)) * 4
    with connect(PORT, fam) as s:
        echo_once(s, data)
        echo_once(s, bytes(reversed(range(256))))


def t_nul(fam):
    with connect(PORT, fam) as s:
        echo_once(s, b'\0')
        echo_once(s, b'\0' * 65536, timeout=20)
        echo_once(s, b'a\0b\0\0c\r\n\0')


def t_one_byte(fam):
    with connect(PORT, fam) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(SMALL_ROUNDS):
            echo_once(s, bytes([i & 0xff]), timeout=5)


def t_sizes(fam):
    """Messages of many sizes on one connection, crossing page sizes."""
    with connect(PORT, fam) as s:
        for i, n in enumerate([2, 3, 7, 100, 1023, 1024, 1025, 1460, 1461,
                               4095, 4096, 4097, 8192, 65535, 65536, 65537,
                               200000]):
            echo_once(s, rand_bytes(n, i), timeout=30)


def t_stream(fam):
    data = rand_bytes(STREAM, fam)
    t0 = time.monotonic()
    with connect(PORT, fam) as s:
        echo_stream(s, data, timeout=120)
    return '%d bytes in %.1fs' % (len(data), time.monotonic() - t0)


def t_half_close(fam):
    data = rand_bytes(200000, 7 + fam)
    with connect(PORT, fam) as s:
        got, how = send_then_shutdown(s, data, timeout=30)
    expect(got == data, 'data before EOF differs: ' + first_diff(data, got))
    expect(how == 'eof', 'expected EOF after the echo, got %s' % how)


def t_half_close_empty(fam):
    with connect(PORT, fam) as s:
        s.shutdown(socket.SHUT_WR)
        got, how = recv_until_close(s, deadline(10))
    expect(not got and how == 'eof', 'got %d bytes then %s' % (len(got), how))


# TCP counters that tell a handshake the listener never completed (so no
# accept could see it) from a connection lost after the accept.
LISTEN_COUNTERS = ('ListenOverflows', 'ListenDrops', 'TCPReqQFullDrop',
                   'TCPBacklogDrop', 'TCPAbortOnData', 'TCPAbortOnClose',
                   'EmbryonicRsts')
STORM = 100 if QUICK else 400


def _reset_conns(n, hop):
    """n connections closed with a reset at once; with hop, each reset is
    sent from the other CPU than the connect, as a migrated client would.
    Loopback queues packets per CPU, so such a reset can overtake the
    handshake's last ACK and kill the connection before it is accepted.
    """
    cpus = sorted(os.sched_getaffinity(0))
    try:
        for i in range(n):
            if hop and len(cpus) > 1:
                os.sched_setaffinity(0, {cpus[i % 2]})
            s = connect(PORT, 4)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
            if hop and len(cpus) > 1:
                os.sched_setaffinity(0, {cpus[(i + 1) % 2]})
            s.close()
    finally:
        os.sched_setaffinity(0, cpus)


def _expect_accounted(before, ext0, drop0, n, what, resets=True):
    """Each of n connections was set up by ksrv (total) or, when the
    client reset them (resets), was reset before its handshake completed
    (EmbryonicRsts): nothing else may become of them.
    """
    o = wait_stat(PORT, 'open', 0, timeout=10)
    expect(o == 0, '%s: open is %s, not 0' % (what, o))
    emb = lambda: tcp_ext().get('EmbryonicRsts', 0) - ext0.get(
        'EmbryonicRsts', 0)
    wait_for(lambda: stat(PORT)['total'] - before + emb() >= n, 10)
    tot, ext1 = stat(PORT)['total'] - before, tcp_ext()
    expect(tot + emb() == n and (resets or not emb()) and
           stat(PORT)['failed'] == 0,
           '%s: %d set up + %d reset before accept, expected %d; TCP '
           'counter changes %s, backlog drops +%d' % (
               what, tot, emb(), n,
               {k: ext1.get(k, 0) - ext0.get(k, 0) for k in LISTEN_COUNTERS},
               softnet_dropped() - drop0))
    return tot, emb()


def t_empty_conns(base_inuse):
    """Connections closed at once by the client leave nothing behind.

    A FIN comes after the handshake's ACK or carries one, so each of
    those connections is accepted. A reset may reach the listener before
    the ACK, and TCP then drops the half-open connection
    (TcpExtEmbryonicRsts) before any accept.
    """
    n = 20
    ext0, drop0 = tcp_ext(), softnet_dropped()
    before = stat(PORT)['total']
    for i in range(n):
        connect(PORT, 4 if i % 2 else 6).close()
    _expect_accounted(before, ext0, drop0, n, 'FIN', resets=False)
    ext0, drop0 = tcp_ext(), softnet_dropped()
    before = stat(PORT)['total']
    # RST variant: SO_LINGER 0 makes close() send a reset.
    _reset_conns(n, False)
    _expect_accounted(before, ext0, drop0, n, 'RST')
    now = wait_inuse(base_inuse, timeout=15)
    if now > base_inuse:
        # Which sockets: their states and owners tell a leak from a
        # teardown still in progress.
        rc, out, _ = sh(['ss', '-tanpoe', 'state', 'all',
                         'exclude', 'time-wait'])
        raise Fail('TCP inuse %d, baseline %d; sockets:\n%s' %
                   (now, base_inuse, out.strip()))


def t_reset_storm(base_inuse):
    """Resets sent from another CPU than the connect: every connection is
    either set up and closed by ksrv or killed by TCP before accept.
    """
    ext0, drop0 = tcp_ext(), softnet_dropped()
    before = stat(PORT)['total']
    _reset_conns(STORM, True)
    tot, emb = _expect_accounted(before, ext0, drop0, STORM, 'storm')
    now = wait_inuse(base_inuse, timeout=15)
    expect(now <= base_inuse, 'TCP inuse %d, baseline %d' % (now, base_inuse))
    return '%d set up, %d reset before accept' % (tot, emb)


def _last_ack():
    """ksrv sockets waiting for the ACK of their FIN."""
    rc, out, _ = sh(['ss', '-tanH', 'state', 'last-ack',
                     'sport', '= :%d' % PORT])
    return [l for l in out.splitlines() if l.strip()] if rc == 0 else []


def t_lost_fin():
    """A FIN lost after ksrv let go of the socket is sent again.

    The kernel stops every timer of a closed kernel socket that holds no
    reference on its namespace; ksrv's must hold one, or one lost FIN
    leaves both ends waiting for ever. tc drops ksrv's FINs on lo for a
    second, then lets them through.
    """
    for mod in ('sch_ingress', 'cls_flower', 'act_gact'):
        sh(['modprobe', mod])
    sh(['tc', 'qdisc', 'del', 'dev', 'lo', 'clsact'])
    rc, _, err = sh(['tc', 'qdisc', 'add', 'dev', 'lo', 'clsact'])
    if rc != 0:
        raise Skip('no clsact qdisc in this kernel: %s' % err.strip())
    try:
        for proto in ('ip', 'ipv6'):
            rc, _, err = sh(['tc', 'filter', 'add', 'dev', 'lo', 'egress',
                             'protocol', proto, 'flower', 'ip_proto', 'tcp',
                             'src_port', str(PORT), 'tcp_flags', '0x1/0x1',
                             'action', 'drop'])
            if rc != 0:
                raise Skip('no flower classifier or drop action: %s' %
                           err.strip())
        for fam in (4, 6):
            connect(PORT, fam).close()
        ok = wait_for(lambda: len(_last_ack()) == 2, 10)
        expect(ok, 'expected 2 sockets in LAST-ACK, have %d' %
               len(_last_ack()))
        time.sleep(1)
    finally:
        sh(['tc', 'qdisc', 'del', 'dev', 'lo', 'clsact'])
    # Retransmission backs off from 200 ms: 1.4 s, 3 s, 6.2 s.
    if not wait_for(lambda: not _last_ack(), 15):
        raise Fail('FIN never sent again:\n' + '\n'.join(_last_ack()))


def t_counters():
    st = stat(PORT)
    expect(st['bytes_in'] == st['bytes_out'] and st['bytes_in'] > 0,
           'bytes_in %d bytes_out %d' % (st['bytes_in'], st['bytes_out']))
    expect_all_closed(PORT)


def main():
    t = Suite('20-echo-exact', 330, 120)
    ensure_unloaded()
    for pre, km in each_dispatch(t, 'services=echo:%d' % PORT):
        base = tcp_inuse()
        for fam in (4, 6):
            p = '%sIPv%d ' % (pre, fam)
            t.run(p + 'all 256 byte values', t_all_bytes, fam)
            t.run(p + 'NUL bytes', t_nul, fam)
            t.run(p + '1-byte messages', t_one_byte, fam)
            t.run(p + 'odd message sizes', t_sizes, fam)
            t.run(p + '%d-byte stream, concurrent read' % STREAM,
                  t_stream, fam)
            t.run(p + 'half-close echoes all then EOF', t_half_close, fam)
            t.run(p + 'half-close without data gives EOF',
                  t_half_close_empty, fam)
        t.run(pre + 'connect+close leaves nothing behind', t_empty_conns,
              base)
        t.run(pre + 'connect+reset storm: each set up or reset before '
              'accept', t_reset_storm, base)
        t.run(pre + 'a lost FIN is retransmitted after close', t_lost_fin)
        if have_stats():
            t.run(pre + 'bytes_in == bytes_out, open back to 0', t_counters)
        t.run(pre + 'rmmod clean', unload, 10.0, km)
    t.finish()


main()
