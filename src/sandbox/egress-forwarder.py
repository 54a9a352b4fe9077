"""Egress forwarder: runs INSIDE a sandbox that has an egress allowlist.

Usage: python3 egress-forwarder.py SOCKET_PATH -- COMMAND [ARGS...]

The sandbox has no network but its own loopback. This program listens on 127.0.0.1:3128 there
and copies every connection byte for byte to SOCKET_PATH, the Unix socket of the platform's
filtering proxy (EgressProxy, on the host), which alone decides what may leave. It then runs
COMMAND with HTTP(S)_PROXY pointing at that port and exits with COMMAND's exit code, or
128 + signal when COMMAND was killed by one. It exits 125 if it cannot start (bad usage, port
taken, command not found) without having run COMMAND.

Standard library only (python3 >= 3.8): it must run on whatever python the sandbox image has.
It adds no policy of its own: a connection the proxy refuses is refused to the client as is.
"""

import os
import signal
import socket
import subprocess
import sys
import threading

PORT = 3128
PROXY_URL = f"http://127.0.0.1:{PORT}"
STARTUP_FAILURE = 125


def pump(source: socket.socket, sink: socket.socket) -> None:
    """Copies source to sink until EOF, then half-closes sink so the other side sees EOF too."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        # Either end went away: drop both so the other pump stops as well.
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client: socket.socket, socket_path: str) -> None:
    """Joins one accepted TCP connection to a fresh connection to the proxy's Unix socket."""
    with client:
        try:
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(socket_path)
        except OSError as error:
            # The client sees its connection closed: no proxy, no egress. Say why, for whoever
            # reads the command's stderr (under gVisor this is what a missing --host-uds=open gives).
            sys.stderr.write(f"egress-forwarder: cannot reach the egress proxy at {socket_path}: {error}\n")
            return
        with upstream:
            back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
            back.start()
            pump(client, upstream)
            back.join()


def serve(listener: socket.socket, socket_path: str) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            continue
        threading.Thread(target=relay, args=(client, socket_path), daemon=True).start()


def main(argv: list) -> int:
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: egress-forwarder.py SOCKET_PATH -- COMMAND [ARGS...]\n")
        return STARTUP_FAILURE
    socket_path, command = argv[1], argv[3:]

    # Listen before the child starts, so its first request finds the port open.
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", PORT))
        listener.listen(128)
    except OSError as error:
        sys.stderr.write(f"egress-forwarder: cannot listen on 127.0.0.1:{PORT}: {error}\n")
        return STARTUP_FAILURE
    threading.Thread(target=serve, args=(listener, socket_path), daemon=True).start()

    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[name] = PROXY_URL
    # Empty, in both spellings, so nothing (not even localhost) bypasses the proxy.
    env["NO_PROXY"] = env["no_proxy"] = ""

    try:
        child = subprocess.Popen(command, env=env)
    except OSError as error:
        sys.stderr.write(f"egress-forwarder: cannot run {command[0]}: {error}\n")
        return STARTUP_FAILURE

    # Pass termination requests on, so the child can clean up and its exit code is what we report.
    def forward(signum, _frame):
        try:
            child.send_signal(signum)
        except OSError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)

    code = child.wait()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
