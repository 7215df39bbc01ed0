#!/usr/bin/python3
"""smtp-hold.py: many SMTP connections held open at once, or trickling.

Debian's python3 only (no PyPI); one process, asyncio.  Subcommands:

  hold --port P --count N --ready FILE --release FILE [--sources A,B,..]
       [--connecting 200] [--timeout 60]
      Opens N connections to P (from the loopback SOURCES in turn,
      default 127.0.0.1), at most CONNECTING of them being set up at a
      time; each reads the 220 greeting, says EHLO and reads the 250.
      Once all N are there, writes "held N" to READY and keeps them
      idle until RELEASE exists; then each says QUIT and must get 221.
      Exit 0 when every connection did all of that; otherwise prints
      what went wrong (counts and the first few replies) and exits 1.
      A connection the server closes while held is a failure.

  trickle --port P --count N --ready FILE --release FILE [--rate 1]
      Opens N connections; each gets its 220, says EHLO, MAIL FROM,
      RCPT TO:<kring@example.org> and DATA (354), and then sends a
      message one byte every 1/RATE seconds (a header, then body lines
      of 30 bytes, never the final dot) until RELEASE exists; then it
      closes the connection, so the message is never stored.  READY
      gets "trickling N" once every connection has sent its first byte
      of data.  Exit 0 when the server closed no connection and said
      nothing after the 354 before RELEASE, 1 otherwise.

  Times out (exit 1) after TIMEOUT seconds (default 60) of waiting for
  anything, RELEASE included.
"""
import argparse
import asyncio
import os
import sys
import time


class Failed(Exception):
    pass


async def reply(reader, timeout):
    """One whole reply: (code, last line)."""
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise Failed("closed by the server")
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if len(text) < 4 or text[3] != "-":
            return text[:3], text


async def expect(reader, code, timeout):
    got, text = await reply(reader, timeout)
    if got != code:
        raise Failed("wanted %s, got %r" % (code, text))


async def wait_file(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise Failed("no %s after %d s" % (path, timeout))
        await asyncio.sleep(0.05)


async def connect(a, i, gate):
    sources = a.sources.split(",")
    async with gate:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(
            "127.0.0.1", a.port, local_addr=(sources[i % len(sources)], 0)),
            a.timeout)
        await expect(reader, "220", a.timeout)
        writer.write(b"EHLO hold%d.example\r\n" % i)
        await expect(reader, "250", a.timeout)
    return reader, writer


async def hold_one(a, i, gate, all_in, release):
    reader, writer = await connect(a, i, gate)
    all_in.release()
    await release.wait()
    # Anything the server sent meanwhile (a 421) is in the buffer now.
    writer.write(b"QUIT\r\n")
    await expect(reader, "221", a.timeout)
    writer.close()


async def trickle_one(a, i, gate, all_in, release):
    reader, writer = await connect(a, i, gate)
    for cmd, code in ((b"MAIL FROM:<slow%d@example.net>" % i, "250"),
                      (b"RCPT TO:<kring@example.org>", "250"),
                      (b"DATA", "354")):
        writer.write(cmd + b"\r\n")
        await expect(reader, code, a.timeout)
    head = b"Subject: slow %d\r\n\r\n" % i
    body = b"one byte a second, never done\r\n"
    n = 0
    while not release.is_set():
        b = head[n:n + 1] if n < len(head) else \
            body[(n - len(head)) % len(body):][:1]
        writer.write(b)
        await writer.drain()
        if n == 0:
            all_in.release()
        n += 1
        try:
            await asyncio.wait_for(release.wait(), 1.0 / a.rate)
        except asyncio.TimeoutError:
            pass
        if reader.at_eof() or writer.is_closing():
            raise Failed("closed by the server after %d bytes" % n)
    # Nothing may have come after the 354: the data never ended.
    try:
        extra = await asyncio.wait_for(reader.read(4096), 0.01)
    except asyncio.TimeoutError:
        extra = b""
    if extra:
        raise Failed("the server said %r to unfinished data" % extra)
    writer.close()


async def main(a):
    gate = asyncio.Semaphore(a.connecting)
    all_in = asyncio.Semaphore(0)
    release = asyncio.Event()
    one = hold_one if a.cmd == "hold" else trickle_one
    tasks = [asyncio.ensure_future(one(a, i, gate, all_in, release))
             for i in range(a.count)]

    async def ready():
        for _ in range(a.count):
            await all_in.acquire()
        tmp = a.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s %d\n" % ("held" if a.cmd == "hold" else "trickling",
                                 a.count))
        os.rename(tmp, a.ready)
        await wait_file(a.release, a.timeout)
        release.set()

    waiter = asyncio.ensure_future(ready())
    done, _ = await asyncio.wait(tasks + [waiter],
                                 return_when=asyncio.FIRST_EXCEPTION)
    failures = [t.exception() for t in done if t.exception() is not None]
    if failures:
        # One failed: say so at once (the test waits for READY).
        waiter.cancel()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        ok = sum(1 for t in tasks if not t.cancelled() and t.exception() is None)
        print("smtp-hold: %d of %d failed; %d fine; first: %s"
              % (len(failures), a.count, ok,
                 "; ".join(repr(f) for f in failures[:3])), file=sys.stderr)
        return 1
    await asyncio.gather(*tasks)
    print("smtp-hold: %s %d, all fine" % (a.cmd, a.count))
    return 0


p = argparse.ArgumentParser()
p.add_argument("cmd", choices=["hold", "trickle"])
p.add_argument("--port", type=int, required=True)
p.add_argument("--count", type=int, required=True)
p.add_argument("--ready", required=True)
p.add_argument("--release", required=True)
p.add_argument("--sources", default="127.0.0.1")
p.add_argument("--connecting", type=int, default=200)
p.add_argument("--rate", type=float, default=1.0)
p.add_argument("--timeout", type=float, default=60.0)
args = p.parse_args()
sys.exit(asyncio.run(main(args)))
