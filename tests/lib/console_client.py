#!/usr/bin/python3
"""Console viewers and a serial-port peer for the console tests.

  console_client.py serial PORT DIR
      the "server serial" side: listens on 127.0.0.1:PORT (ipmi_sim's SOL
      device connects to it), appends what it receives to DIR/typed, and
      sends the contents of DIR/say whenever that file appears (then
      deletes it).  Runs until killed.
  console_client.py view MODE URL TOKEN [--send TEXT] [--expect TEXT]
                         [--hold SECONDS] [--timeout SECONDS] [--repeat SECONDS]
      connects (MODE raw: URL tcp://HOST:PORT; ws: a ws:// URL), presents
      TOKEN, prints the banner line, sends TEXT, waits until TEXT of
      --expect is in the output; holds the connection for --hold seconds
      (output kept appended to $VIEW_OUT when set); with --repeat, TEXT is
      sent again every SECONDS until the expected text came (a BMC's SOL
      session may drop what crosses it while it is being re-established).  Exit 0 when the
      banner came (and the expected text), 3 when the server closed the
      connection without a banner, 1 otherwise.
  console_client.py idle MODE URL SECONDS [--send TEXT] [--drip SECONDS]
      connects and sends nothing (or TEXT one byte every --drip seconds);
      prints "closed after N" when the server closes it, "open" when it is
      still open after SECONDS
  console_client.py login MODE URL TOKEN USER --command CMD --expect TEXT
                         [--wrong-first] [--timeout SECONDS]
      logs in on a getty at the other end: presses Enter until "login:"
      shows, gives USER and the password from $CONSOLE_PASSWORD (never
      on the command line), then sends CMD until TEXT comes back; with
      --wrong-first, a wrong password is tried first and must be refused
      ("Login incorrect").  Exit 0 when TEXT came, 1 otherwise (the last
      output is printed)
  console_client.py flood MODE URL TOKEN BYTES
      authenticates, then sends BYTES bytes (WebSocket: in one frame); prints
      the banner and "sent" (or "closed")
"""
import argparse
import os
import socket
import sys
import threading
import time


def serial(port, d):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4)
    while True:
        c, _ = ls.accept()
        c.settimeout(0.1)
        with open(os.path.join(d, "connections"), "a") as f:
            f.write("1\n")
        try:
            while True:
                say = os.path.join(d, "say")
                if os.path.exists(say):
                    data = open(say, "rb").read()
                    os.unlink(say)
                    c.sendall(data)
                try:
                    b = c.recv(4096)
                    if not b:
                        break
                    with open(os.path.join(d, "typed"), "ab") as f:
                        f.write(b)
                except socket.timeout:
                    pass
        except OSError:
            pass
        c.close()


class Raw:
    def __init__(self, url, timeout):
        host, port = url[len("tcp://"):].rstrip("/").rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=timeout)
        self.s.settimeout(0.2)

    def send(self, b):
        self.s.sendall(b)

    def recv(self):
        try:
            b = self.s.recv(65536)
        except socket.timeout:
            return b""
        if not b:
            raise EOFError
        return b

    def close(self):
        self.s.close()


class Ws:
    def __init__(self, url, timeout):
        import websocket
        self.w = websocket.create_connection(url, timeout=timeout)
        self.w.settimeout(0.2)

    def send(self, b):
        self.w.send_binary(b)

    def send_text(self, t):
        self.w.send(t)

    def recv(self):
        import websocket
        try:
            op, data = self.w.recv_data()
        except websocket.WebSocketTimeoutException:
            return b""
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            raise EOFError
        if op == websocket.ABNF.OPCODE_CLOSE:
            raise EOFError
        return data

    def close(self):
        self.w.close()


def connect(mode, url, token, timeout):
    c = Raw(url, timeout) if mode == "raw" else Ws(url, timeout)
    if token is not None:
        if mode == "raw":
            c.send(token.encode() + b"\n")
        else:
            c.send_text(token)
    return c


def read_until(c, pred, buf, deadline):
    while time.time() < deadline:
        buf += c.recv()
        if pred(buf):
            return buf, True
    return buf, False


def view(a):
    deadline = time.time() + a.timeout
    try:
        c = connect(a.mode, a.url, a.token, a.timeout)
        buf, got = read_until(c, lambda b: b"\n" in b, b"", deadline)
    except EOFError:
        print("closed")
        return 3
    except OSError as e:
        print("connect: %s" % e)
        return 1
    if not got:
        print("no banner")
        return 1
    line, buf = buf.split(b"\n", 1)
    print(line.decode(errors="replace").strip())
    sys.stdout.flush()
    try:
        if a.send:
            c.send(a.send.encode())
        if a.expect:
            got = False
            while not got and time.time() < deadline:
                step = min(deadline, time.time() + a.repeat) if a.repeat else deadline
                buf, got = read_until(c, lambda b: a.expect.encode() in b, buf, step)
                if not got and a.repeat and a.send:
                    c.send(a.send.encode())
            if not got:
                print("missing %r in %r" % (a.expect, buf[-200:]))
                return 1
        end = time.time() + a.hold
        while time.time() < end:
            buf += c.recv()
    except EOFError:
        if a.hold:
            print("closed")
            sys.stdout.flush()
    if os.environ.get("VIEW_OUT"):
        with open(os.environ["VIEW_OUT"], "ab") as f:
            f.write(buf)
    c.close()
    return 0


def idle(a):
    start = time.time()
    try:
        c = connect(a.mode, a.url, None, 10)
        i = 0
        while time.time() - start < a.seconds:
            if a.send and a.drip and i < len(a.send):
                if a.mode == "raw":
                    c.send(a.send[i].encode())
                else:
                    c.send_text(a.send[i])
                i += 1
            end = time.time() + (a.drip or 0.5)
            while time.time() < end:
                if c.recv():
                    pass
    except (EOFError, OSError):
        print("closed after %d" % int(time.time() - start))
        return 0
    print("open")
    return 0


def flood(a):
    try:
        c = connect(a.mode, a.url, a.token, 10)
        buf, got = read_until(c, lambda b: b"\n" in b, b"", time.time() + 20)
        print(buf.split(b"\n")[0].decode(errors="replace").strip())
        data = b"z" * a.bytes
        if a.mode == "ws":
            c.w.settimeout(60)
            c.send(data)
        else:
            c.s.settimeout(60)
            c.s.sendall(data)
        print("sent")
    except (EOFError, OSError) as e:
        print("closed (%s)" % type(e).__name__)
    return 0


def crowd(a):
    """Opens N silent connections at once, then a viewer with TOKEN:
    prints its banner, or "closed"."""
    host, port = a.url[len("tcp://"):].rstrip("/").rsplit(":", 1)
    idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(a.n)]
    time.sleep(0.3)
    try:
        c = connect("raw", a.url, a.token, 10)
        buf, got = read_until(c, lambda b: b"\n" in b, b"", time.time() + 10)
        print(buf.split(b"\n")[0].decode(errors="replace").strip() if got else "no banner")
    except (EOFError, OSError):
        print("closed")
    for s in idle:
        s.close()
    return 0


def expect_any(c, buf, texts, secs):
    """Reads until one of texts is in the output after buf's length."""
    start = len(buf)
    deadline = time.time() + secs
    while time.time() < deadline:
        buf += c.recv()
        for t in texts:
            if t in buf[start:]:
                return buf, t
    return buf, None


def login_once(c, buf, user, password, deadline):
    """One login attempt; returns (buf, shell prompt seen)."""
    while time.time() < deadline:
        c.send(b"\r")
        buf, t = expect_any(c, buf, [b"login: "], 3)
        if t:
            break
    else:
        return buf, False
    c.send(user.encode() + b"\r")
    buf, t = expect_any(c, buf, [b"Password: "], 10)
    if not t:
        return buf, False
    c.send(password.encode() + b"\r")
    buf, t = expect_any(c, buf, [b"# ", b"$ ", b"Login incorrect"], 20)
    return buf, t in (b"# ", b"$ ")


def login(a):
    deadline = time.time() + a.timeout
    password = os.environ.get("CONSOLE_PASSWORD", "")
    try:
        c = connect(a.mode, a.url, a.token, a.timeout)
        buf, got = read_until(c, lambda b: b"\n" in b, b"", deadline)
        if not got:
            print("no banner")
            return 1
        if a.wrong_first:
            buf, ok = login_once(c, buf, a.user, password + "-wrong", deadline)
            if ok or b"Login incorrect" not in buf:
                print("a wrong password was not refused: %r" % buf[-300:])
                return 1
            print("wrong password refused")
        ok = False
        while not ok and time.time() < deadline:
            buf, ok = login_once(c, buf, a.user, password, deadline)
        if not ok:
            print("no shell: %r" % buf[-300:])
            return 1
        print("logged in as %s" % a.user)
        while time.time() < deadline:
            c.send(a.command.encode() + b"\r")
            buf, t = expect_any(c, buf, [a.expect.encode()], 5)
            if t:
                print("got %s" % a.expect)
                c.send(b"exit\r")
                return 0
        print("missing %r in %r" % (a.expect, buf[-300:]))
        return 1
    except (EOFError, OSError) as e:
        print("closed: %s" % e)
        return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serial")
    s.add_argument("port", type=int)
    s.add_argument("dir")
    v = sub.add_parser("view")
    v.add_argument("mode", choices=["raw", "ws"])
    v.add_argument("url")
    v.add_argument("token")
    v.add_argument("--send")
    v.add_argument("--expect")
    v.add_argument("--hold", type=float, default=0)
    v.add_argument("--timeout", type=float, default=30)
    v.add_argument("--repeat", type=float, default=0)
    i = sub.add_parser("idle")
    i.add_argument("mode", choices=["raw", "ws"])
    i.add_argument("url")
    i.add_argument("seconds", type=float)
    i.add_argument("--send")
    i.add_argument("--drip", type=float, default=0)
    f = sub.add_parser("flood")
    f.add_argument("mode", choices=["raw", "ws"])
    f.add_argument("url")
    f.add_argument("token")
    f.add_argument("bytes", type=int)
    g = sub.add_parser("login")
    g.add_argument("mode", choices=["raw", "ws"])
    g.add_argument("url")
    g.add_argument("token")
    g.add_argument("user")
    g.add_argument("--command", required=True)
    g.add_argument("--expect", required=True)
    g.add_argument("--wrong-first", action="store_true")
    g.add_argument("--timeout", type=float, default=120)
    w = sub.add_parser("crowd")
    w.add_argument("url")
    w.add_argument("n", type=int)
    w.add_argument("token")
    a = p.parse_args()
    if a.cmd == "crowd":
        return crowd(a)
    if a.cmd == "idle":
        return idle(a)
    if a.cmd == "flood":
        return flood(a)
    if a.cmd == "login":
        return login(a)
    if a.cmd == "serial":
        serial(a.port, a.dir)
        return 0
    return view(a)


if __name__ == "__main__":
    sys.exit(main())
