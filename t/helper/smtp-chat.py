#!/usr/bin/python3
"""smtp-chat.py: a raw, scripted SMTP/LMTP client for the tests.

    $PYTHON smtp-chat.py [-t TIMEOUT] [-s SOURCE] HOST:PORT [SCRIPT]

Connects (from the address SOURCE if given), then follows SCRIPT (a
file, or stdin when absent or "-"), one command a line; blank lines and
lines starting with '#' are skipped.  Every read waits at most TIMEOUT
seconds (default 10).

    > TEXT            send TEXT and CRLF (">" alone sends an empty line)
    >raw BYTES        send BYTES exactly; escapes \\r \\n \\t \\0 \\\\ \\xHH
    >repeat N BYTES   send BYTES (escapes as >raw) N times, nothing added
    >flood N BYTES    as >repeat, but stop early (not an error) when the
                      server takes nothing for 2 s
    >data FILE        send FILE as message data: dot-stuffed, a CRLF added
                      unless it ends in one, then ".\\r\\n"
    < CODES [TEXT]    read one reply (multi-line aware); its code must
                      match CODES and, if given, TEXT must occur in it
    << CODES...       read one reply for each CODES, in order (pipelining)
    wait SECONDS      sleep
    wait-file PATH    sleep until PATH exists (at most TIMEOUT seconds)
    expect-close      the server must close the connection (EOF or reset)
                      without sending anything more
    tls [CAFILE]      start TLS (after the 220 to STARTTLS); nothing may
                      have come after that 220.  With CAFILE the server's
                      certificate must verify against it (the host name is
                      not checked)

CODES is a reply code like 250, alternatives like 250|5xx, where x is any
digit.  The transcript goes to stdout ("C: " sent, "S: " received, "# "
notes); the first mismatch, timeout or unexpected close prints a
"FAIL: ..." line and exits 1.  Usage and connection errors exit 2.
"""
import os
import re
import socket
import ssl
import sys
import time

TIMEOUT = 10.0


class Mismatch(Exception):
    pass


def show(prefix, data):
    if len(data) > 200:
        data = data[:120] + b"... (%d bytes)" % len(data)
    text = data.decode("utf-8", "backslashreplace")
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    print(prefix + text, flush=True)


def unescape(b):
    def one(m):
        e = m.group(1)
        if e[:1] == b"x":
            return bytes([int(e[1:], 16)])
        return {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"0": b"\0",
                b"\\": b"\\"}[e]
    return re.sub(rb"\\(x[0-9a-fA-F]{2}|[rnt0\\])", one, b)


def dot_stuff(data):
    out = re.sub(rb"(^|\n)\.", rb"\1..", data)
    if not out.endswith(b"\r\n"):
        out += b"\r\n"
    return out + b".\r\n"


def code_matches(spec, code):
    for alt in spec.split(b"|"):
        if len(alt) == 3 and all(a in b"xX" or a == c
                                 for a, c in zip(alt, code)):
            return True
    return False


class Chat:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, data):
        show("C: ", data)
        self.sock.sendall(data)

    def flood(self, chunk, n):
        show("C: ", b"(up to %d times) " % n + chunk)
        block, sent = chunk * max(1, 65536 // max(1, len(chunk))), 0
        self.sock.settimeout(2)
        try:
            while sent < n * len(chunk):
                part = block[:n * len(chunk) - sent]
                self.sock.sendall(part)
                sent += len(part)
            print("# flood: all %d bytes taken" % sent, flush=True)
        except socket.timeout:
            print("# flood: the server stopped reading after about %d bytes"
                  % sent, flush=True)
        finally:
            self.sock.settimeout(TIMEOUT)

    def fill(self):
        """Read more into buf; False at EOF or reset."""
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise Mismatch("timeout after %g s waiting for the server"
                           % TIMEOUT)
        except ConnectionResetError:
            chunk = b""
        self.buf += chunk
        return chunk != b""

    def line(self):
        while b"\n" not in self.buf:
            if not self.fill():
                if self.buf:
                    show("S: ", self.buf)
                raise Mismatch("connection closed while waiting for a reply")
        line, self.buf = self.buf.split(b"\n", 1)
        show("S: ", line + b"\n")
        return line.rstrip(b"\r")

    def reply(self):
        """One reply: (code, all its lines joined by \\n)."""
        lines = []
        while True:
            line = self.line()
            if not re.match(rb"[2-5][0-9][0-9]([ -]|$)", line):
                raise Mismatch("not a reply line: %r" % line)
            if lines and line[:3] != lines[0][:3]:
                raise Mismatch("reply code changed inside a reply")
            lines.append(line)
            if line[3:4] != b"-":
                return line[:3], b"\n".join(lines)

    def expect(self, spec, text=None):
        code, whole = self.reply()
        if not code_matches(spec, code):
            raise Mismatch("expected %s, got %s" % (spec.decode(),
                                                    code.decode()))
        if text is not None and text not in whole:
            raise Mismatch("reply lacks %r" % text.decode())

    def start_tls(self, cafile):
        if self.buf:
            show("S: ", self.buf)
            raise Mismatch("the server sent more before the TLS handshake")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        if cafile:
            ctx.load_verify_locations(cafile.decode())
        else:
            ctx.verify_mode = ssl.CERT_NONE
        try:
            self.sock = ctx.wrap_socket(self.sock)
        except (ssl.SSLError, OSError) as e:
            raise Mismatch("TLS handshake failed: %s" % e)
        print("# TLS: %s %s" % (self.sock.version(), self.sock.cipher()[0]),
              flush=True)

    def expect_close(self):
        if self.buf or self.fill():
            show("S: ", self.buf)
            raise Mismatch("expected the connection to close, got data")
        print("# closed by the server", flush=True)


def run(chat, script):
    for raw in script.split(b"\n"):
        line = raw.rstrip(b"\r") if not raw.startswith(b">") else raw
        if not line.strip() or line.startswith(b"#"):
            continue
        word, _, rest = line.partition(b" ")
        if word == b">":
            chat.send(rest + b"\r\n")
        elif word == b">raw":
            chat.send(unescape(rest))
        elif word == b">repeat":
            n, _, what = rest.partition(b" ")
            chunk, n = unescape(what), int(n)
            show("C: ", b"(%d times) " % n + chunk)
            step = max(1, 65536 // max(1, len(chunk)))
            while n > 0:
                chat.sock.sendall(chunk * min(step, n))
                n -= step
        elif word == b">flood":
            n, _, what = rest.partition(b" ")
            chat.flood(unescape(what), int(n))
        elif word == b">data":
            with open(rest, "rb") as f:
                data = f.read()
            print("# data from %s" % rest.decode(errors="replace"), flush=True)
            chat.send(dot_stuff(data))
        elif word == b"<":
            spec, _, text = rest.partition(b" ")
            chat.expect(spec, text or None)
        elif word == b"<<":
            for spec in rest.split():
                chat.expect(spec)
        elif word == b"wait":
            time.sleep(float(rest))
        elif word == b"wait-file":
            end = time.time() + TIMEOUT
            while not os.path.exists(rest):
                if time.time() > end:
                    raise Mismatch("no file %s after %g s"
                                   % (rest.decode(), TIMEOUT))
                time.sleep(0.02)
        elif word == b"expect-close":
            chat.expect_close()
        elif word == b"tls":
            chat.start_tls(rest.strip())
        else:
            print("smtp-chat: bad script line: %r" % line, file=sys.stderr)
            sys.exit(2)


def main(argv):
    global TIMEOUT
    args, source = argv[1:], None
    while len(args) >= 2 and args[0] in ("-t", "-s"):
        if args[0] == "-t":
            TIMEOUT = float(args[1])
        else:
            source = (args[1], 0)
        args = args[2:]
    if len(args) not in (1, 2) or ":" not in args[0]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    host, port = args[0].rsplit(":", 1)
    if len(args) == 1 or args[1] == "-":
        script = sys.stdin.buffer.read()
    else:
        with open(args[1], "rb") as f:
            script = f.read()
    try:
        sock = socket.create_connection((host, int(port)), timeout=TIMEOUT,
                                        source_address=source)
    except OSError as e:
        print("smtp-chat: connect %s: %s" % (args[0], e), file=sys.stderr)
        return 2
    try:
        run(Chat(sock), script)
    except Mismatch as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    except OSError as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
