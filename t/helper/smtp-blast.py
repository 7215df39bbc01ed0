#!/usr/bin/python3
"""smtp-blast.py: many SMTP clients at once, for the crash test.

Debian's python3 only (no PyPI).  Subcommands:

  blast --port P --dir D --tag T [--clients 6] [--seed S]
        [--max-per-client N] [--max-seconds SEC]
      CLIENTS threads each send distinct messages over raw SMTP to
      127.0.0.1:P, a few per connection, until the server goes away
      (a reset, an EOF or a refused connection ends a client), until
      MAX-PER-CLIENT messages or MAX-SECONDS.  Each message has its own
      Message-ID and a random, dot-stuffed body of varying size; within a
      client most messages reply to an earlier one of the same client
      (In-Reply-To, and References: the parent's plus the parent), so a
      client makes a thread or two; the rest start a thread.
      Writes, under D:
        msg/NAME.eml  the exact message bytes (what the store must hold
                      after our Received line); NAME is the Message-ID
                      without <> (ids are made file-name safe)
        sent.T        every Message-ID whose data was started, one a line
        acked.T       every Message-ID that got 2xx after the final dot
        other.T       replies that were neither 2xx nor a dropped
                      connection ("<id> <reply>"), expected empty
        started.T     made once every client has begun its first DATA
      Exit 0 unless something other than the server going away failed.

  send --port P --dir D [--clients 6] IDFILE...
      Send again every message listed (bytes from D/msg), in parallel;
      each must get 250.  Exit 1 otherwise, naming the failures.

  verify --store S --dir D [--jobs 4] --acked FILE --sent FILE
         [--missing OUT]
      Every id in ACKED must be in the store (`kring show -s S '<id>'`)
      and byte-identical after the Received line; an id in SENT but not
      in ACKED may be missing, but if stored it must be identical too.
      Prints "sent S acked A stored N missing-unacked M" (N: the ids of
      SENT found); OUT gets the ids of SENT not found, one a line.

  census --store S [--expect N] [--full] [IDFILE...]
      Count with the kring tools: `kring stats --json` and the threads of
      `kring threads --json` must agree (and be N messages); with --full
      also walk each thread (`kring thread --json ID`): no Message-ID and
      no store id may be there twice, and (with IDFILEs) every stored
      Message-ID must be one we sent.  Prints "messages N threads T".
"""

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

RCPT = "kring@example.org"
TIMEOUT = 30.0


def fail(msg):
    sys.stderr.write("smtp-blast: %s\n" % msg)
    sys.exit(1)


# ---- SMTP, by hand -------------------------------------------------------

class Gone(Exception):
    """The server went away (reset, EOF, refused): expected after kill -9."""


class Conn:
    def __init__(self, port):
        try:
            self.sock = socket.create_connection(("127.0.0.1", port),
                                                 timeout=TIMEOUT)
        except (ConnectionRefusedError, ConnectionResetError) as e:
            raise Gone(str(e))
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Gone(str(e))

    def line(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError as e:
                raise Gone(str(e))
            if not chunk:
                raise Gone("EOF")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """One whole (possibly multi-line) reply: (code, text)."""
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if len(ln) < 4 or ln[3] != "-":
                break
        code = int(lines[-1][:3]) if lines[-1][:3].isdigit() else 0
        return code, " | ".join(lines)

    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.reply()


def dot_stuff(msg):
    """MSG (bytes, CRLF lines, ending in CRLF) as DATA: stuffed, with the
    final dot."""
    assert msg.endswith(b"\r\n")
    lines = msg.split(b"\r\n")[:-1]
    out = [b"." + ln if ln.startswith(b".") else ln for ln in lines]
    return b"\r\n".join(out) + b"\r\n.\r\n"


# ---- messages -------------------------------------------------------------

TEXT = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        + " " * 12 + ".,;:!?-()'\"/")


class Bodies:
    """Random body lines, cheaply: slices of a random text pool."""

    def __init__(self, rng):
        self.rng = rng
        self.pool = "".join(rng.choices(TEXT, k=1 << 16))

    def text(self, n):
        at = self.rng.randrange(len(self.pool) - n)
        return self.pool[at:at + n].rstrip() or "x"

    def line(self):
        rng = self.rng
        r = rng.random()
        if r < 0.04:
            return "."			# a lone dot: must be stuffed
        if r < 0.08:
            return ".." + self.text(rng.randint(1, 20))
        if r < 0.12:
            return "." + self.text(rng.randint(1, 60))
        if r < 0.15:
            return ""
        if r < 0.17:
            return "From the desk of " + rng.choice(["Anna", "Bart", "Chloé"])
        if r < 0.19:
            return "Grüße, ½ € — ok"
        if r < 0.22:
            return self.text(rng.randint(100, 990))
        return self.text(rng.randint(1, 78))

    def size(self):
        """Mostly small, some large: 50 bytes to about 200 KB."""
        r = self.rng.random()
        if r < 0.6:
            return self.rng.randint(50, 2000)
        if r < 0.9:
            return self.rng.randint(2000, 20000)
        return self.rng.randint(20000, 200000)


def make_message(bodies, msgid, refs, subject, client):
    """The message (bytes, CRLF).  REFS: the parent's References plus the
    parent, oldest first (RFC 5322 3.6.4); empty for a thread's start."""
    rng = bodies.rng
    want = bodies.size()
    lines = []
    size = 0
    while size < want:
        ln = bodies.line()
        lines.append(ln)
        size += len(ln) + 2
    hdr = [
        "From: Client %d <client%d@example.net>" % (client, client),
        "To: %s" % RCPT,
        "Subject: %s%s" % ("Re: " if refs else "", subject),
        "Date: Sun, 22 Nov 2026 10:%02d:%02d +0100" % (rng.randint(0, 59), rng.randint(0, 59)),
        "Message-ID: <%s>" % msgid,
    ]
    if refs:
        hdr.append("In-Reply-To: <%s>" % refs[-1])
        hdr.append("References: " + " ".join("<%s>" % p for p in refs))
    hdr.append("MIME-Version: 1.0")
    hdr.append("Content-Type: text/plain; charset=utf-8")
    hdr.append("Content-Transfer-Encoding: 8bit")
    text = "\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n"
    return text.encode("utf-8")


def safe_name(msgid):
    return re.sub(r"[^A-Za-z0-9.@_-]", "_", msgid)


# ---- blast -----------------------------------------------------------------

class Recorder:
    def __init__(self, d, tag, clients):
        self.lock = threading.Lock()
        self.files = {k: open(os.path.join(d, "%s.%s" % (k, tag)), "a")
                      for k in ("sent", "acked", "other")}
        self.started_path = os.path.join(d, "started." + tag)
        self.waiting = set(range(1, clients + 1))

    def started(self, client):
        """CLIENT is sending its first data; when every client is, say so
        in the file started.TAG (the test waits for it)."""
        with self.lock:
            if client in self.waiting:
                self.waiting.discard(client)
                if not self.waiting:
                    with open(self.started_path, "w") as f:
                        f.write("started\n")

    def note(self, what, text):
        with self.lock:
            f = self.files[what]
            f.write(text + "\n")
            f.flush()

    def close(self):
        for f in self.files.values():
            f.close()


def blast_client(args, client, rec, deadline, errors):
    rng = random.Random("%s/%s/%d" % (args.seed, args.tag, client))
    bodies = Bodies(rng)
    subject = "crash %s client %d %08x" % (args.tag, client, rng.getrandbits(32))
    ids = []			# this client's ids so far: parents for replies
    refs_of = {}		# id -> its References
    n = 0
    while n < args.max_per_client and time.monotonic() < deadline:
        try:
            c = Conn(args.port)
        except Gone:
            return		# the server is down: this client is done
        try:
            code, text = c.reply()
            if code != 220:
                rec.note("other", "- greeting %s" % text)
                return
            code, text = c.cmd("EHLO client%d.example.net" % client)
            if code != 250:
                rec.note("other", "- EHLO %s" % text)
                return
            for _ in range(rng.randint(1, 4)):
                if n >= args.max_per_client or time.monotonic() >= deadline:
                    break
                n += 1
                msgid = "crash.%s.c%d.n%d.%08x@kring.test" % (
                    args.tag, client, n, rng.getrandbits(32))
                refs = []
                if ids and rng.random() < 0.95:
                    parent = rng.choice(ids)
                    refs = refs_of[parent] + [parent]
                    if len(refs) > 10:	# keep the first and the last few
                        refs = refs[:1] + refs[-9:]
                refs_of[msgid] = refs
                msg = make_message(bodies, msgid, refs, subject, client)
                with open(os.path.join(args.dir, "msg", safe_name(msgid) + ".eml"), "wb") as f:
                    f.write(msg)
                ids.append(msgid)
                code, text = c.cmd("MAIL FROM:<client%d@example.net>" % client)
                if code != 250:
                    rec.note("other", "<%s> MAIL %s" % (msgid, text))
                    return
                code, text = c.cmd("RCPT TO:<%s>" % RCPT)
                if code != 250:
                    rec.note("other", "<%s> RCPT %s" % (msgid, text))
                    return
                code, text = c.cmd("DATA")
                if code != 354:
                    rec.note("other", "<%s> DATA %s" % (msgid, text))
                    return
                rec.note("sent", "<%s>" % msgid)
                rec.started(client)
                c.send(dot_stuff(msg))
                code, text = c.reply()
                if 200 <= code < 300:
                    rec.note("acked", "<%s>" % msgid)
                else:
                    rec.note("other", "<%s> dot %s" % (msgid, text))
            c.cmd("QUIT")
        except Gone:
            continue		# maybe only this connection: try to reconnect
        except socket.timeout:
            errors.append("client %d: timeout" % client)
            return
        except Exception as e:  # noqa: BLE001 - report anything else
            errors.append("client %d: %r" % (client, e))
            return
        finally:
            c.close()


def cmd_blast(args):
    os.makedirs(os.path.join(args.dir, "msg"), exist_ok=True)
    rec = Recorder(args.dir, args.tag, args.clients)
    deadline = time.monotonic() + args.max_seconds
    errors = []
    threads = [threading.Thread(target=blast_client,
                                args=(args, i + 1, rec, deadline, errors))
               for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.close()
    for e in errors:
        sys.stderr.write("smtp-blast: %s\n" % e)
    return 1 if errors else 0


# ---- send again ----------------------------------------------------------

def read_ids(paths):
    ids = []
    seen = set()
    for p in paths:
        with open(p) as f:
            for ln in f:
                ln = ln.strip()
                if ln and ln not in seen:
                    seen.add(ln)
                    ids.append(ln)
    return ids


def load_msg(d, msgid):
    with open(os.path.join(d, "msg", safe_name(msgid.strip("<>")) + ".eml"), "rb") as f:
        return f.read()


def send_some(args, ids, bad):
    try:
        send_these(args, ids, bad)
    except Exception as e:  # noqa: BLE001 - a dropped connection, or worse
        bad.append("connection failed: %r" % e)


def send_these(args, ids, bad):
    c = Conn(args.port)
    try:
        code, text = c.reply()
        if code != 220:
            bad.append("greeting: %s" % text)
            return
        c.cmd("EHLO resend.example.net")
        for msgid in ids:
            msg = load_msg(args.dir, msgid)
            for verb in ("MAIL FROM:<resend@example.net>",
                         "RCPT TO:<%s>" % RCPT, "DATA"):
                code, text = c.cmd(verb)
                if code not in (250, 354):
                    bad.append("%s %s: %s" % (msgid, verb, text))
                    return
            c.send(dot_stuff(msg))
            code, text = c.reply()
            if code != 250:
                bad.append("%s: %s" % (msgid, text))
        c.cmd("QUIT")
    finally:
        c.close()


def cmd_send(args):
    ids = read_ids(args.idfiles)
    bad = []
    parts = [ids[i::args.clients] for i in range(args.clients)]
    threads = [threading.Thread(target=send_some, args=(args, p, bad))
               for p in parts if p]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for b in bad:
        sys.stderr.write("not 250: %s\n" % b)
    print("resent %d, not 250: %d" % (len(ids), len(bad)))
    return 1 if bad else 0


# ---- verify ----------------------------------------------------------------

RECEIVED = re.compile(rb"Received: from [^\n]*\n(?:[ \t][^\n]*\n)*")


def strip_received(data):
    """The same as strip_received in t/lib-kringd.sh."""
    m = RECEIVED.match(data)
    return data[m.end():] if m else data


def kring(*argv):
    return subprocess.run(["kring"] + list(argv), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def check_one(args, msgid, must):
    p = kring("show", "-s", args.store, msgid)
    if p.returncode != 0:
        if must:
            return "acked but not stored: %s (%s)" % (
                msgid, p.stderr.decode(errors="replace").strip())
        return None
    got = strip_received(p.stdout)
    want = load_msg(args.dir, msgid)
    if got != want:
        return "%s %s stored but not byte-identical (%d bytes, want %d)" % (
            "acked" if must else "unacked", msgid, len(got), len(want))
    if not p.stdout.startswith(b"Received: from "):
        return "%s: no Received line of ours" % msgid
    return "ok"


def cmd_verify(args):
    acked = set(read_ids([args.acked]))
    sent = read_ids([args.sent])
    missing = [i for i in acked if i not in sent]
    if missing:
        fail("acked but never sent?? %s" % missing[:3])
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        results = list(ex.map(lambda i: check_one(args, i, i in acked), sent))
    errors = [r for r in results if r not in (None, "ok")]
    stored = sum(1 for r in results if r == "ok")
    if args.missing:
        with open(args.missing, "w") as f:
            for i, r in zip(sent, results):
                if r is None:
                    f.write(i + "\n")
    for e in errors:
        sys.stderr.write("%s\n" % e)
    print("sent %d acked %d stored %d missing-unacked %d" % (
        len(sent), len(acked), stored, sum(1 for r in results if r is None)))
    return 1 if errors else 0


# ---- census ----------------------------------------------------------------

def json_lines(p, what):
    if p.returncode != 0:
        fail("%s failed: %s" % (what, p.stderr.decode(errors="replace")))
    return [json.loads(ln) for ln in p.stdout.decode().splitlines() if ln.strip()]


def cmd_census(args):
    stats = json_lines(kring("stats", "-s", args.store, "--json"), "kring stats")
    comm = [s for s in stats if s["community"] == "kring"]
    if len(comm) != 1:
        fail("kring stats: no community kring: %r" % stats)
    stats = comm[0]
    threads = json_lines(kring("threads", "-s", args.store, "--community",
                               "kring", "--json"), "kring threads")
    errors = []
    total = sum(t["messages"] for t in threads)
    if stats["messages"] != total:
        errors.append("kring stats says %d messages, the threads of kring "
                      "threads add up to %d" % (stats["messages"], total))
    if stats["threads"] != len(threads):
        errors.append("kring stats says %d threads, kring threads lists %d" % (
            stats["threads"], len(threads)))
    if args.expect is not None and stats["messages"] != args.expect:
        errors.append("kring stats says %d messages, expected %d distinct "
                      "Message-IDs" % (stats["messages"], args.expect))
    distinct = None
    if args.full:
        with ThreadPoolExecutor(max_workers=args.jobs) as ex:
            trees = list(ex.map(lambda t: json_lines(
                kring("thread", "-s", args.store, "--json", str(t["id"])),
                "kring thread %s" % t["id"]), threads))
        by_msgid = {}
        by_storeid = {}
        for t, nodes in zip(threads, trees):
            real = [n for n in nodes if n.get("id") is not None]
            if len(real) != t["messages"]:
                errors.append("thread %s: kring threads says %d messages, "
                              "kring thread shows %d" % (t["id"], t["messages"],
                                                         len(real)))
            for n in real:
                by_msgid.setdefault(n["message_id"], []).append(n["id"])
                by_storeid.setdefault(n["id"], []).append(n["message_id"])
        for k, v in by_msgid.items():
            if len(v) > 1:
                errors.append("Message-ID %s stored %d times: ids %s" % (k, len(v), v))
        for k, v in by_storeid.items():
            if len(v) > 1:
                errors.append("store id %s in %d places: %s" % (k, len(v), v))
        distinct = len(by_msgid)
        if distinct != stats["messages"]:
            errors.append("kring stats says %d messages, the threads hold %d "
                          "distinct Message-IDs" % (stats["messages"], distinct))
        if args.ids:
            want = set(read_ids(args.ids))
            extra = set(by_msgid) - want
            if extra:
                errors.append("stored but never sent: %s" % sorted(extra)[:5])
    for e in errors:
        sys.stderr.write("census: %s\n" % e)
    print("messages %d threads %d%s" % (
        stats["messages"], len(threads),
        "" if distinct is None else " distinct %d" % distinct))
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description="SMTP clients for the crash test")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blast")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--dir", required=True)
    b.add_argument("--tag", required=True)
    b.add_argument("--clients", type=int, default=6)
    b.add_argument("--seed", default=str(os.getpid()))
    b.add_argument("--max-per-client", type=int, default=1000)
    b.add_argument("--max-seconds", type=float, default=20.0)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--clients", type=int, default=6)
    s.add_argument("idfiles", nargs="+")
    v = sub.add_parser("verify")
    v.add_argument("--store", required=True)
    v.add_argument("--dir", required=True)
    v.add_argument("--acked", required=True)
    v.add_argument("--sent", required=True)
    v.add_argument("--missing", help="write the ids not stored here")
    v.add_argument("--jobs", type=int, default=4)
    c = sub.add_parser("census")
    c.add_argument("--store", required=True)
    c.add_argument("--expect", type=int, help="messages there must be")
    c.add_argument("--full", action="store_true",
                   help="walk every thread: no Message-ID twice")
    c.add_argument("--jobs", type=int, default=4)
    c.add_argument("ids", nargs="*", help="with --full: files of the ids "
                   "that may be stored")
    args = ap.parse_args()
    return {"blast": cmd_blast, "send": cmd_send, "verify": cmd_verify,
            "census": cmd_census}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
