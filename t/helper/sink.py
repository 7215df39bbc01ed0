#!/usr/bin/python3
"""sink.py: a real SMTP server that catches mail for the tests.

    $PYTHON sink.py --dir DIR [--ready FILE] [--pid FILE] [options]

Built on aiosmtpd (Debian's python3-aiosmtpd, so run it with
/usr/bin/python3, i.e. $PYTHON).  Listens on 127.0.0.1, port 0 (a free
one) unless --port is given; once listening it writes its pid to the
--pid FILE and then "ready PORT" as one line to the --ready FILE (each
written to FILE.tmp and renamed, so a reader never sees half a line;
without --ready the line goes to stdout).  Both files are removed again
on a clean exit (SIGTERM or SIGINT: exit status 0).

Each accepted message becomes two files in DIR, numbered in arrival
order (NNNNNN, six digits, carrying on after any NNNNNN.eml already in
DIR):

    NNNNNN.env   the envelope, one item a line:
                     MAIL FROM:<sender>
                     RCPT TO:<recipient>       one per accepted recipient
                     PEER host:port
                     SESSION n                 n-th SMTP connection (from 1)
                     HELO name                 as given in EHLO/HELO
                     MAIL-PARAMS P1 P2...      only if MAIL had parameters
                     TLS yes|no                STARTTLS done or not
    NNNNNN.eml   the DATA bytes exactly as received: dot-unstuffed, line
                 endings (CRLF, and any bare LF or CR) untouched

The .env is written first and the .eml last, each to a hidden
.NNNNNN.*.tmp file renamed into place: once NNNNNN.eml exists, both are
complete.

EHLO offers PIPELINING, 8BITMIME, SMTPUTF8, SIZE and, with --tls,
STARTTLS.  Failure switches:

    --tempfail-first N   451 4.3.0 as the final reply to the first N DATA
                         transactions (nothing stored for them)
    --reject-data N      554 5.6.0 as the final reply to the N DATA
                         transactions after those (nothing stored)
    --tempfail-rcpt RE   451 4.2.0 at RCPT for recipients matching RE
    --reject-rcpt RE     550 5.1.1 at RCPT for recipients matching RE
                         (checked before --tempfail-rcpt)
    --delay SECONDS      wait this long before the final reply to DATA
    --max-messages N     once N messages are stored, answer 452 4.3.1 to
                         MAIL (and to DATA, should one get that far)

RE is a Python regular expression searched (re.search) in the bare
address, e.g. '^bad@' or '(?i)@Example\\.com$'.  A DATA transaction is
counted when its data has been read in full, over all connections.

As aiosmtpd does, a data line longer than --line-limit bytes (default
1001, CRLF and a stuffing dot included: RFC 5321's limit) fails the
whole message with 500 once its data is in; more than --size bytes,
with 552.  Commands longer than 512 bytes get 500.

One line per event (connect, EHLO, MAIL, RCPT, DATA outcome, close) goes
to stderr; handler errors show as Python tracebacks there.
"""
import argparse
import asyncio
import logging
import os
import re
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP


def log(msg):
    now = time.time()
    stamp = time.strftime("%H:%M:%S", time.localtime(now))
    sys.stderr.write("sink[%d] %s.%03d %s\n"
                     % (os.getpid(), stamp, int(now * 1000) % 1000, msg))
    sys.stderr.flush()


def write_atomic(path, data):
    d, base = os.path.split(path)
    tmp = os.path.join(d, "." + base + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def write_atomic_plain(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def peer_str(peer):
    if isinstance(peer, tuple) and len(peer) >= 2:
        return "%s:%s" % (peer[0], peer[1])
    return str(peer)


class Sink:
    """The aiosmtpd handler: decides the replies and stores the mail."""

    def __init__(self, opts):
        self.opts = opts
        self.dir = opts.dir
        self.sessions = 0
        self.data_count = 0     # DATA transactions whose data was read
        self.stored = 0         # messages stored by this process
        self.next_no = 1 + max(
            [int(n[:-4]) for n in os.listdir(self.dir)
             if re.fullmatch(r"[0-9]+\.eml", n)] or [0])
        self.reject_rcpt = re.compile(opts.reject_rcpt) \
            if opts.reject_rcpt is not None else None
        self.tempfail_rcpt = re.compile(opts.tempfail_rcpt) \
            if opts.tempfail_rcpt is not None else None

    def full(self):
        return (self.opts.max_messages is not None
                and self.stored >= self.opts.max_messages)

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        log("session %d: EHLO %s" % (server.sink_session, hostname))
        # aiosmtpd offers AUTH after STARTTLS; the sink takes logins only
        # with --auth.
        out = responses if server.sink_auth else [
            r for r in responses if not r[4:].upper().startswith("AUTH")]
        out.insert(1, "250-PIPELINING")
        return out

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        log("session %d: HELO %s" % (server.sink_session, hostname))
        return "250 %s" % server.hostname

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        if self.full():
            log("session %d: MAIL FROM:<%s>: 452, full (%d stored)"
                % (server.sink_session, address, self.stored))
            return "452 4.3.1 Sink full: no more messages"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        log("session %d: MAIL FROM:<%s>%s" % (
            server.sink_session, "" if address == "<>" else address,
            "".join(" " + o for o in mail_options)))
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.reject_rcpt is not None and self.reject_rcpt.search(address):
            reply = "550 5.1.1 <%s>: Recipient rejected (sink)" % address
        elif (self.tempfail_rcpt is not None
              and self.tempfail_rcpt.search(address)):
            reply = "451 4.2.0 <%s>: Recipient deferred (sink)" % address
        else:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
            reply = "250 2.1.5 Ok"
        log("session %d: RCPT TO:<%s>: %s"
            % (server.sink_session, address, reply[:3]))
        return reply

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        n = self.data_count
        opts = self.opts
        if opts.delay > 0:
            log("session %d: DATA %d: %d bytes in, waiting %g s"
                % (server.sink_session, n, len(envelope.original_content),
                   opts.delay))
            await asyncio.sleep(opts.delay)
        if n <= opts.tempfail_first:
            log("session %d: DATA %d: 451 (tempfail-first %d)"
                % (server.sink_session, n, opts.tempfail_first))
            return "451 4.3.0 Temporary failure (sink), try again later"
        if n <= opts.tempfail_first + opts.reject_data:
            log("session %d: DATA %d: 554 (reject-data %d)"
                % (server.sink_session, n, opts.reject_data))
            return "554 5.6.0 Message rejected (sink)"
        if self.full():
            log("session %d: DATA %d: 452, full (%d stored)"
                % (server.sink_session, n, self.stored))
            return "452 4.3.1 Sink full: no more messages"
        name = "%06d" % self.next_no
        self.next_no += 1
        # aiosmtpd keeps the null sender as "<>" (it must be truthy).
        sender = envelope.mail_from
        env = ["MAIL FROM:<%s>" % ("" if sender == "<>" else sender)]
        env += ["RCPT TO:<%s>" % r for r in envelope.rcpt_tos]
        env.append("PEER %s" % peer_str(session.peer))
        env.append("SESSION %d" % server.sink_session)
        env.append("HELO %s" % session.host_name)
        if envelope.mail_options:
            env.append("MAIL-PARAMS %s" % " ".join(envelope.mail_options))
        env.append("TLS %s" % ("yes" if session.ssl is not None else "no"))
        if session.authenticated:
            env.append("AUTH yes")
        data = envelope.original_content
        write_atomic(os.path.join(self.dir, name + ".env"),
                     ("\n".join(env) + "\n").encode("utf-8",
                                                    "surrogateescape"))
        write_atomic(os.path.join(self.dir, name + ".eml"), data)
        self.stored += 1
        log("session %d: DATA %d: 250, stored %s.eml (%d bytes, %d rcpt)"
            % (server.sink_session, n, name, len(data),
               len(envelope.rcpt_tos)))
        return "250 2.0.0 Ok: stored as %s" % name


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with a session number and connect/close logging."""

    live = set()

    def connection_made(self, transport):
        handler = self.event_handler
        handler.sessions += 1
        self.sink_session = handler.sessions
        super().connection_made(transport)
        SinkSMTP.live.add(self)
        log("session %d: connect from %s"
            % (self.sink_session, peer_str(self.session.peer)))

    def connection_lost(self, error):
        SinkSMTP.live.discard(self)
        log("session %d: closed%s"
            % (self.sink_session, " (%s)" % error if error else ""))
        super().connection_lost(error)

    async def smtp_STARTTLS(self, arg):
        await super().smtp_STARTTLS(arg)
        if self.session.ssl is not None:
            log("session %d: STARTTLS done" % self.sink_session)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sink.py", description="SMTP sink for the kring tests")
    p.add_argument("--dir", required=True,
                   help="folder for NNNNNN.eml and NNNNNN.env")
    p.add_argument("--ready", help='write "ready PORT" here')
    p.add_argument("--pid", help="write the pid here")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--hostname", default="sink.test",
                   help="name in the greeting and EHLO reply")
    p.add_argument("--size", type=int, default=33554432,
                   help="SIZE limit in bytes (default 32 MiB)")
    p.add_argument("--line-limit", type=int, default=1001,
                   help="longest line taken, CRLF included (default 1001)")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                   help="offer STARTTLS with this certificate and key")
    p.add_argument("--tempfail-first", type=int, default=0, metavar="N")
    p.add_argument("--reject-data", type=int, default=0, metavar="N")
    p.add_argument("--tempfail-rcpt", metavar="REGEX")
    p.add_argument("--reject-rcpt", metavar="REGEX")
    p.add_argument("--delay", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--max-messages", type=int, metavar="N")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require AUTH (PLAIN, LOGIN) with these credentials")
    p.add_argument("--timeout", type=float, default=300,
                   help="idle timeout per connection in seconds")
    return p.parse_args(argv)


def make_authenticator(user, password):
    """An aiosmtpd authenticator taking only USER with PASSWORD."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        log("AUTH %s %s" % (mechanism, "ok" if ok else "refused"))
        return AuthResult(success=ok)
    return check


async def serve(opts, handler, tls_context):
    loop = asyncio.get_running_loop()
    SinkSMTP.line_length_limit = opts.line_limit

    auth = {}
    if opts.auth:
        user, _, password = opts.auth.partition(":")
        auth = dict(authenticator=make_authenticator(user, password),
                    auth_required=True, auth_require_tls=False)

    SinkSMTP.sink_auth = bool(opts.auth)

    def factory():
        return SinkSMTP(handler, data_size_limit=opts.size, **auth,
                        enable_SMTPUTF8=True, decode_data=False,
                        hostname=opts.hostname, ident="ESMTP kring test sink",
                        tls_context=tls_context, timeout=opts.timeout,
                        loop=loop)

    server = await loop.create_server(factory, opts.host, opts.port)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if opts.pid:
        write_atomic_plain(opts.pid, "%d\n" % os.getpid())
    log("listening on %s:%d, storing in %s" % (opts.host, port, opts.dir))
    if opts.ready:
        write_atomic_plain(opts.ready, "ready %d\n" % port)
    else:
        print("ready %d" % port, flush=True)

    await stop.wait()
    log("stopping: %d session(s), %d message(s) stored"
        % (handler.sessions, handler.stored))
    server.close()
    for proto in list(SinkSMTP.live):
        if proto.transport is not None:
            proto.transport.close()
    await server.wait_closed()
    # Let connection_lost run and the cancelled handlers unwind.
    for _ in range(50):
        if not SinkSMTP.live:
            break
        await asyncio.sleep(0.01)
    for path in (opts.ready, opts.pid):
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass


def main(argv):
    opts = parse_args(argv[1:])
    if not os.path.isdir(opts.dir):
        os.makedirs(opts.dir)
    for rx in (opts.reject_rcpt, opts.tempfail_rcpt):
        if rx is not None:
            try:
                re.compile(rx)
            except re.error as e:
                print("sink.py: bad regular expression %r: %s" % (rx, e),
                      file=sys.stderr)
                return 2
    tls_context = None
    if opts.tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(opts.tls[0], opts.tls[1])
    # aiosmtpd's own log: warnings and handler tracebacks only.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="sink[%(process)d] aiosmtpd %(levelname)s: "
                               "%(message)s")
    handler = Sink(opts)
    try:
        asyncio.run(serve(opts, handler, tls_context))
    except OSError as e:
        log("cannot listen on %s:%d: %s" % (opts.host, opts.port, e))
        return 1
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
