#!/usr/bin/env python3
# s3_fault_proxy.py - a fault-injecting HTTP/1.1 proxy for the integration
# tests: put it between an S3 client and a real S3-compatible server
# (deploy/s3) to make that server look overloaded or flaky.
#
# It listens on 127.0.0.1 on a port chosen by the OS and forwards every
# request to the upstream server: the request line, all headers (Host
# included: clients sign it with SigV4, so it is never rewritten) and the
# body byte for byte, and the response back the same way. Keep-alive
# (several requests per client connection, one upstream connection per
# client connection), request bodies with Content-Length or chunked
# Transfer-Encoding (forwarded still chunked, as is), Expect: 100-continue
# (interim responses are relayed), HEAD, 1xx/204/304 and responses delimited
# by Content-Length, chunked encoding or connection close all work. Python 3
# standard library only, one thread per client connection.
#
# Run:
#   python3 s3_fault_proxy.py --listen-port-file F --upstream HOST:PORT \
#       [--seed N] [--p-503 P] [--p-reset P] [--p-short P] \
#       [--stats FILE] [--skip-first N] [--verbose]
#   then point the client at http://127.0.0.1:$(cat F). Stop it with SIGTERM
#   or SIGINT (exit status 0).
#
# Options:
#   --listen-port-file F  once listening, write the port number (and a
#                         newline) to F, atomically (F.tmp, then rename);
#                         wait for F to appear before using the proxy
#   --upstream HOST:PORT  the S3 server to forward to (e.g. 127.0.0.1:9000)
#   --seed N              seed of the random.Random deciding the faults
#                         (default 0), so one request sequence gives one
#                         fault sequence
#   --p-503 P             probability (0..1, default 0) that a request is not
#                         forwarded but answered "HTTP/1.1 503 Slow Down" with
#                         S3's SlowDown XML error (RequestId fault-N, N the
#                         request number from 1); its body is read and
#                         discarded first (after a "100 Continue" if the
#                         client asked for one), so the connection stays usable
#   --p-reset P           probability (default 0) that a request is forwarded
#                         (and the upstream response read and dropped), then
#                         the client connection is reset (TCP RST, SO_LINGER
#                         0) without any response
#   --p-short P           probability (default 0) that a request is forwarded
#                         and the client gets the upstream status line and
#                         headers unchanged (the original Content-Length too)
#                         but only half the body (len//2 bytes; for a chunked
#                         response half of the raw chunked bytes), then a TCP
#                         RST; only for responses with a body of 2 bytes or
#                         more, otherwise the request is forwarded normally
#   --stats FILE          write the counters as JSON to FILE (tmp + rename)
#                         at start and after every request, before the client
#                         sees that request's outcome; keys: requests (every
#                         request read from a client), forwarded (sent
#                         upstream, reset and short faults included),
#                         fault_503, fault_reset, fault_short, upstream_errors
#                         (answered 502: upstream unreachable or broken)
#   --skip-first N        the first N requests (counted over all connections)
#                         are never faulted and take no random draw (default 0)
#   --verbose             log every request and its fate to stderr
#
# Per request the faults are decided in this order with three draws of the
# random.Random: 503 if the first < P-503, else reset if the second <
# P-reset, else short if the third < P-short. Requests on several
# connections at once take their draws in the order they arrive.
# Upstream unreachable, or closing or failing before a response: the client
# gets a 502 and its connection is closed. A client that goes away only ends
# its own connection.
import argparse
import json
import os
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import random

MAX_HEAD = 64 * 1024  # request/response head limit
IO_TIMEOUT = 300.0  # seconds of silence on a socket before giving up
BUF = 64 * 1024


class Closed(Exception):
    """The peer closed the connection (or it broke) mid-message."""


class BadMessage(Exception):
    """A malformed HTTP message."""


class Reader:
    """A socket with an explicit read buffer (visible to select)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def pending(self):
        return len(self.buf) > 0

    def _fill(self):
        try:
            data = self.sock.recv(BUF)
        except (OSError, socket.timeout) as e:
            raise Closed(str(e)) from e
        if not data:
            return False
        self.buf += data
        return True

    def readline(self, limit=MAX_HEAD):
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                return line
            if len(self.buf) > limit:
                raise BadMessage("line too long")
            start = len(self.buf)
            if not self._fill():
                raise Closed("EOF in line")

    def read_some(self, n):
        """Up to n bytes; b'' at EOF."""
        if not self.buf:
            if not self._fill():
                return b""
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def at_eof(self):
        """True when nothing buffered and the peer closed (non-blocking)."""
        if self.buf:
            return False
        r, _, _ = select.select([self.sock], [], [], 0)
        if not r:
            return False
        return not self._fill()


def read_head(reader, first_may_eof=False):
    """Reads a message head up to the empty line. Returns the raw bytes, or
    None if first_may_eof and the peer closed before sending anything."""
    raw = bytearray()
    while True:
        try:
            line = reader.readline(MAX_HEAD - len(raw))
        except Closed:
            if first_may_eof and not raw and not reader.buf:
                return None
            raise
        if not raw and line in (b"\r\n", b"\n"):
            continue  # tolerate stray CRLFs between messages (RFC 7230 3.5)
        raw += line
        if line in (b"\r\n", b"\n"):
            return bytes(raw)
        if len(raw) > MAX_HEAD:
            raise BadMessage("head too long")


def parse_head(raw):
    """Returns (start line parts, {lowercase name: [values]})."""
    lines = raw.decode("latin-1").split("\n")
    first = lines[0].rstrip("\r").split(" ", 2)
    headers = {}
    for line in lines[1:]:
        line = line.rstrip("\r")
        if not line:
            continue
        if ":" not in line:
            raise BadMessage("bad header line")
        k, v = line.split(":", 1)
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return first, headers


def tokens(headers, name):
    out = set()
    for v in headers.get(name, []):
        for t in v.split(","):
            t = t.strip().lower()
            if t:
                out.add(t)
    return out


def body_kind(headers):
    """('chunked', None) | ('length', n) | ('none', 0) for a message with a
    possible body; raises BadMessage for a bad Content-Length."""
    te = headers.get("transfer-encoding")
    if te:
        last = ",".join(te).split(",")[-1].strip().lower()
        if last == "chunked":
            return "chunked", None
        return "eof", None  # response only; requests are refused
    cl = headers.get("content-length")
    if cl:
        vals = {v.strip() for v in ",".join(cl).split(",")}
        if len(vals) != 1:
            raise BadMessage("conflicting Content-Length")
        v = vals.pop()
        if not v.isdigit():
            raise BadMessage("bad Content-Length")
        return "length", int(v)
    return "none", 0


def response_body_kind(headers):
    """body_kind for a response that may have a body: without Content-Length
    or chunked encoding it runs to the end of the connection."""
    kind, n = body_kind(headers)
    return ("eof", None) if kind == "none" else (kind, n)


def body_length(reader, n):
    while n > 0:
        data = reader.read_some(min(n, BUF))
        if not data:
            raise Closed("EOF in body")
        n -= len(data)
        yield data


def body_chunked(reader, decoded=None):
    """Yields the raw chunked encoding (sizes, extensions, data, trailers)
    unchanged. decoded: a one-element list that gets the data length."""
    while True:
        line = reader.readline(8192)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as e:
            raise BadMessage("bad chunk size") from e
        if size < 0:
            raise BadMessage("bad chunk size")
        yield line
        if size == 0:
            while True:  # trailers, up to the empty line
                line = reader.readline(8192)
                yield line
                if line in (b"\r\n", b"\n"):
                    return
        if decoded is not None:
            decoded[0] += size
        yield from body_length(reader, size)
        yield reader.readline(8192)  # the CRLF after the data


def body_eof(reader):
    while True:
        data = reader.read_some(BUF)
        if not data:
            return
        yield data


def body_gen(reader, kind, n, decoded=None):
    if kind == "length":
        return body_length(reader, n)
    if kind == "chunked":
        return body_chunked(reader, decoded)
    if kind == "eof":
        return body_eof(reader)
    return iter(())


def reset(sock):
    """Closes sock abruptly: TCP RST instead of FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def graceful_close(sock, drain_secs=1.0):
    """FIN, then drain what the client still sends for a moment (so the
    kernel does not answer unread data with a RST that could destroy the
    response), then close."""
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + drain_secs
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([sock], [], [], left)
            if not r or not sock.recv(BUF):
                break
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Stats:
    KEYS = ("requests", "forwarded", "fault_503", "fault_reset", "fault_short", "upstream_errors")

    def __init__(self, path, seed, p503, preset, pshort, skip_first):
        self.path = path
        self.lock = threading.Lock()
        self.counts = {k: 0 for k in self.KEYS}
        self.rng = random.Random(seed)
        self.p = (p503, preset, pshort)
        self.skip_first = skip_first
        self.seen = 0

    def decide(self):
        """Numbers the request (from 1) and picks its fault: None, '503',
        'reset' or 'short'."""
        with self.lock:
            self.seen += 1
            n = self.seen
            if n <= self.skip_first:
                return n, None
            draws = [self.rng.random() for _ in range(3)]
        for d, p, name in zip(draws, self.p, ("503", "reset", "short")):
            if d < p:
                return n, name
        return n, None

    def bump(self, **kw):
        with self.lock:
            for k, v in kw.items():
                self.counts[k] += v
            if self.path:
                tmp = self.path + ".tmp"
                try:
                    with open(tmp, "w") as f:
                        json.dump(self.counts, f, sort_keys=True)
                        f.write("\n")
                    os.replace(tmp, self.path)
                except OSError as e:  # keep proxying even so
                    sys.stderr.write("s3_fault_proxy: cannot write %s: %s\n" % (self.path, e))


def simple_response(status, reason, code, message, n, head_only, close):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code>'
        "<Message>%s</Message><RequestId>fault-%d</RequestId></Error>" % (code, message, n)
    ).encode()
    hdr = (
        "HTTP/1.1 %d %s\r\n"
        "Content-Type: application/xml\r\n"
        "Content-Length: %d\r\n"
        "x-amz-request-id: fault-%d\r\n"
        "Date: %s\r\n"
        "%s"
        "\r\n"
        % (
            status,
            reason,
            len(body),
            n,
            time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
            "Connection: close\r\n" if close else "",
        )
    ).encode()
    return hdr if head_only else hdr + body


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.cfg = self.server.cfg
        self.stats = self.server.stats
        self.up = None  # (socket, Reader)

    def log(self, msg):
        if self.cfg.verbose:
            sys.stderr.write("s3_fault_proxy: %s\n" % msg)
            sys.stderr.flush()

    def close_up(self):
        if self.up:
            try:
                self.up[0].close()
            except OSError:
                pass
            self.up = None

    def connect_up(self):
        if self.up:
            try:
                if not self.up[1].at_eof() and not self.up[1].pending():
                    return
            except Closed:
                pass
        # none yet, or the old one closed or sent something unasked
        self.close_up()
        s = socket.create_connection(self.cfg.upstream, timeout=IO_TIMEOUT)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.up = (s, Reader(s))

    def handle(self):
        c = self.request
        c.settimeout(IO_TIMEOUT)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.cr = Reader(c)
        how = "close"
        try:
            while True:
                how = self.one_request()
                if how != "keep":
                    break
        except Exception as e:  # never let a connection kill the proxy
            self.log("connection error: %r" % (e,))
            how = "reset"
        finally:
            self.close_up()
            if how == "reset":
                reset(c)
            elif how == "close":
                graceful_close(c)
            # "gone": the client is gone, close quietly
            else:
                try:
                    c.close()
                except OSError:
                    pass

    def send_client(self, data):
        self.request.sendall(data)

    def bad_gateway(self, n, head_only, why):
        self.log("request %d: upstream error: %s" % (n, why))
        self.close_up()
        self.stats.bump(requests=1, upstream_errors=1)
        try:
            self.send_client(
                simple_response(502, "Bad Gateway", "BadGateway", "fault proxy: upstream error", n, head_only, True)
            )
        except OSError:
            return "gone"
        return "close"

    def one_request(self):
        """Handles one request. Returns 'keep', 'close' (graceful), 'reset'
        or 'gone'."""
        cr = self.cr
        try:
            head = read_head(cr, first_may_eof=True)
        except Closed:
            return "gone"
        except BadMessage:
            self.send_bad_request()
            return "close"
        if head is None:
            return "gone"
        try:
            first, hdrs = parse_head(head)
            if len(first) != 3 or not first[2].startswith("HTTP/1."):
                raise BadMessage("bad request line")
            method, version = first[0], first[2]
            kind, n_body = body_kind(hdrs)
            if kind == "eof":
                raise BadMessage("unsupported Transfer-Encoding")
        except BadMessage:
            self.send_bad_request()
            return "close"
        conn = tokens(hdrs, "connection")
        client_close = "close" in conn or (version == "HTTP/1.0" and "keep-alive" not in conn)
        has_body = kind == "chunked" or (kind == "length" and n_body > 0)
        expect = has_body and "100-continue" in tokens(hdrs, "expect")
        head_only = method.upper() == "HEAD"
        n, fault = self.stats.decide()
        self.log("request %d: %s %s fault=%s" % (n, method, first[1], fault))

        if fault == "503":
            try:
                if expect:
                    self.send_client(b"HTTP/1.1 100 Continue\r\n\r\n")
                for _ in body_gen(cr, kind, n_body):
                    pass
            except (Closed, OSError):
                self.stats.bump(requests=1)
                return "gone"
            except BadMessage:
                self.stats.bump(requests=1)
                self.send_bad_request()
                return "close"
            self.stats.bump(requests=1, fault_503=1)
            try:
                self.send_client(
                    simple_response(
                        503, "Slow Down", "SlowDown", "Please reduce your request rate.", n, head_only, client_close
                    )
                )
            except OSError:
                return "gone"
            return "close" if client_close else "keep"

        # forward the request
        try:
            self.connect_up()
        except OSError as e:
            return self.bad_gateway(n, head_only, "connect: %s" % e)
        us, ur = self.up
        early = None  # a final response that came before the body was sent
        try:
            us.sendall(head)
        except OSError as e:
            return self.bad_gateway(n, head_only, "send: %s" % e)
        if has_body:
            if expect:
                # wait for the upstream's 100 Continue (relayed) or its final
                # answer, or for the client to send the body without waiting
                while not cr.pending():
                    r, _, _ = select.select([self.request, us], [], [], IO_TIMEOUT)
                    if not r:
                        return self.bad_gateway(n, head_only, "timeout waiting for 100 Continue")
                    if us in r:
                        try:
                            rhead = read_head(ur)
                            status = int(parse_head(rhead)[0][1])
                        except (Closed, BadMessage, ValueError, IndexError) as e:
                            return self.bad_gateway(n, head_only, "interim response: %s" % e)
                        if 100 <= status < 200:
                            try:
                                self.send_client(rhead)
                            except OSError:
                                self.stats.bump(requests=1)
                                return "gone"
                        else:
                            early = rhead
                        break
                    if self.request in r:
                        break
            if early is None:
                try:
                    for piece in body_gen(cr, kind, n_body):
                        try:
                            us.sendall(piece)
                        except OSError as e:
                            # upstream may have answered early and closed
                            self.stats.bump(requests=1, forwarded=1)
                            return self.relay_after_send_error(n, head_only, e)
                except (Closed, OSError):
                    self.stats.bump(requests=1)
                    return "gone"
                except BadMessage:
                    self.stats.bump(requests=1)
                    self.close_up()
                    self.send_bad_request()
                    return "close"
        return self.relay_response(n, method, fault, head_only, client_close, early)

    def relay_after_send_error(self, n, head_only, err):
        # the request could not be sent in full; pass on whatever upstream
        # answered (it counts as forwarded), else 502; close afterwards
        us, ur = self.up
        try:
            rhead = read_head(ur)
        except (Closed, BadMessage):
            self.close_up()
            try:
                self.send_client(
                    simple_response(502, "Bad Gateway", "BadGateway", "fault proxy: upstream error", n, head_only, True)
                )
            except OSError:
                return "gone"
            return "close"
        try:
            self.send_client(rhead)
            for piece in body_gen(ur, *self.resp_kind(rhead, head_only)):
                self.send_client(piece)
        except (Closed, BadMessage, OSError):
            return "reset"
        return "close"

    def resp_kind(self, rhead, head_only):
        first, h = parse_head(rhead)
        status = int(first[1])
        if head_only or 100 <= status < 200 or status in (204, 304):
            return "none", 0
        return response_body_kind(h)

    def relay_response(self, n, method, fault, head_only, client_close, early):
        us, ur = self.up
        # read the final response head, relaying interim (1xx) responses
        while True:
            if early is not None:
                rhead, early = early, None
                must_close = True  # the client's body state is unknown
            else:
                must_close = False
                try:
                    rhead = read_head(ur)
                except (Closed, BadMessage) as e:
                    return self.bad_gateway(n, head_only, "response head: %s" % e)
            try:
                first, rh = parse_head(rhead)
                status = int(first[1])
                if head_only or 100 <= status < 200 or status in (204, 304):
                    rkind, rn = "none", 0
                else:
                    rkind, rn = response_body_kind(rh)
            except (BadMessage, ValueError, IndexError) as e:
                return self.bad_gateway(n, head_only, "bad response head: %s" % e)
            if 100 <= status < 200 and status != 101:
                if fault != "reset":
                    try:
                        self.send_client(rhead)
                    except OSError:
                        self.stats.bump(requests=1, forwarded=1)
                        return "gone"
                continue
            break
        rconn = tokens(rh, "connection")
        up_close = (
            rkind == "eof"
            or status == 101
            or "close" in rconn
            or (first[0] == "HTTP/1.0" and "keep-alive" not in rconn)
        )

        if fault == "reset":
            try:
                for _ in body_gen(ur, rkind, rn):
                    pass
            except (Closed, BadMessage):
                pass
            self.close_up()
            self.stats.bump(requests=1, forwarded=1, fault_reset=1)
            self.log("request %d: reset (upstream said %d)" % (n, status))
            return "reset"

        if fault == "short" and rkind == "length" and rn >= 2:
            self.stats.bump(requests=1, forwarded=1, fault_short=1)
            self.log("request %d: short, %d of %d bytes" % (n, rn // 2, rn))
            try:
                self.send_client(rhead)
                for piece in body_length(ur, rn // 2):
                    self.send_client(piece)
            except (Closed, OSError):
                pass
            self.close_up()
            return "reset"

        if fault == "short" and rkind in ("chunked", "eof"):
            decoded = [0]
            raw = bytearray()
            try:
                for piece in body_gen(ur, rkind, rn, decoded):
                    raw += piece
            except (Closed, BadMessage) as e:
                return self.bad_gateway(n, head_only, "response body: %s" % e)
            if rkind == "eof":
                decoded[0] = len(raw)
            if decoded[0] >= 2:
                self.stats.bump(requests=1, forwarded=1, fault_short=1)
                self.log("request %d: short, %d of %d raw bytes" % (n, len(raw) // 2, len(raw)))
                try:
                    self.send_client(rhead + bytes(raw[: len(raw) // 2]))
                except OSError:
                    pass
                self.close_up()
                return "reset"
            # too short to cut: forward as is
            self.stats.bump(requests=1, forwarded=1)
            try:
                self.send_client(rhead + bytes(raw))
            except OSError:
                self.close_up()
                return "gone"
        else:
            # forward normally, streaming the body
            self.stats.bump(requests=1, forwarded=1)
            try:
                self.send_client(rhead)
            except OSError:
                self.close_up()
                return "gone"
            try:
                for piece in body_gen(ur, rkind, rn):
                    try:
                        self.send_client(piece)
                    except OSError:
                        self.close_up()
                        return "gone"
            except (Closed, BadMessage) as e:
                # the response is cut off; pass that on as a reset
                self.log("request %d: upstream broke mid-body: %s" % (n, e))
                self.close_up()
                return "reset"
        if up_close:
            self.close_up()
            return "close"
        if client_close or must_close:
            return "close"
        return "keep"

    def send_bad_request(self):
        body = b"bad request\n"
        try:
            self.send_client(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Handler.handle catches everything; this is a last resort
        sys.stderr.write("s3_fault_proxy: unexpected error from %s\n" % (client_address,))


def parse_hostport(s):
    host, sep, port = s.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % s)
    return host.strip("[]"), int(port)


def probability(s):
    p = float(s)
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError("probability must be in 0..1, got %s" % s)
    return p


def main():
    ap = argparse.ArgumentParser(description="Fault-injecting HTTP/1.1 proxy for S3 tests.")
    ap.add_argument("--listen-port-file", required=True, metavar="F", help="write the listening port here (tmp + rename)")
    ap.add_argument("--upstream", required=True, type=parse_hostport, metavar="HOST:PORT", help="the S3 server to forward to")
    ap.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    ap.add_argument("--p-503", type=probability, default=0.0, dest="p503", metavar="P", help="probability of a 503 SlowDown instead of forwarding")
    ap.add_argument("--p-reset", type=probability, default=0.0, dest="preset", metavar="P", help="probability of forwarding, then a TCP RST instead of the response")
    ap.add_argument("--p-short", type=probability, default=0.0, dest="pshort", metavar="P", help="probability of half the response body, then a TCP RST")
    ap.add_argument("--stats", metavar="FILE", help="JSON counters, rewritten after every request")
    ap.add_argument("--skip-first", type=int, default=0, metavar="N", help="never fault the first N requests")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    cfg = ap.parse_args()

    stats = Stats(cfg.stats, cfg.seed, cfg.p503, cfg.preset, cfg.pshort, cfg.skip_first)
    server = Server(("127.0.0.1", 0), Handler)
    server.cfg = cfg
    server.stats = stats

    stopping = threading.Event()

    def on_signal(signum, frame):
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever, so not from this thread
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    stats.bump()  # the initial, all-zero stats file
    port = server.server_address[1]
    tmp = cfg.listen_port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, cfg.listen_port_file)
    if cfg.verbose:
        sys.stderr.write("s3_fault_proxy: listening on 127.0.0.1:%d, upstream %s:%d\n" % ((port,) + cfg.upstream))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
