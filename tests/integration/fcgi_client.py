"""fcgi_client.py: FastCGI spoken straight to a responder's socket, for the tests that go around nginx.

As a module: request(socket_path, params, body=b"", timeout=20) -> (status, head, body), where params
are the request's FastCGI parameters (REQUEST_METHOD GET, SCRIPT_NAME and QUERY_STRING empty unless
given), head the response's header lines as text and body its bytes.

As a program: fcgi_client.py [--body] SOCKET PATH [NAME=VALUE...]: one GET of PATH (a query string
after '?'); prints the status (200 when the responder sends none), then with --body the body; prints
"error <reason>" when the socket cannot be reached."""
import socket
import struct
import sys

BEGIN, PARAMS, STDIN, STDOUT = 1, 4, 5, 6


def _record(kind, content):
    return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content


def _length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def _pair(k, v):
    k, v = k.encode(), v.encode()
    return _length(len(k)) + _length(len(v)) + k + v


def _stream(kind, data):
    """data as records of at most 65,535 bytes, then the stream's empty end record."""
    return b"".join(_record(kind, data[i:i + 65535]) for i in range(0, len(data), 65535)) + _record(kind, b"")


def get_params(path, extra=None):
    """The parameters nginx would pass for a GET of path (with its query string)."""
    p, _, q = path.partition("?")
    params = {"REQUEST_METHOD": "GET", "PATH_INFO": p, "DOCUMENT_URI": p, "QUERY_STRING": q,
              "REQUEST_URI": path, "SCRIPT_NAME": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    params.update(extra or {})
    return params


def request(socket_path, params, body=b"", timeout=20):
    env = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "QUERY_STRING": ""}
    env.update(params)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(socket_path)
        s.sendall(_record(BEGIN, struct.pack(">HB5x", 1, 0))
                  + _stream(PARAMS, b"".join(_pair(k, v) for k, v in env.items()))
                  + _stream(STDIN, body))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    out = b""
    while len(data) >= 8:
        _, kind, _, n, pad = struct.unpack(">BBHHB", data[:7])
        if kind == STDOUT:
            out += data[8:8 + n]
        data = data[8 + n + pad:]
    head, _, payload = out.partition(b"\r\n\r\n")
    head = head.decode()
    status = 200
    for line in head.split("\r\n"):
        k, _, v = line.partition(":")
        if k.lower() == "status":
            status = int(v.split()[0])
    return status, head, payload


def main(argv):
    show_body = argv[:1] == ["--body"]
    argv = argv[1:] if show_body else argv
    if len(argv) < 2:
        sys.stderr.write("usage: fcgi_client.py [--body] SOCKET PATH [NAME=VALUE...]\n")
        return 2
    try:
        status, _, body = request(argv[0], get_params(argv[1], dict(a.split("=", 1) for a in argv[2:])), timeout=10)
    except OSError as e:
        print("error", e.strerror or e)
        return 0
    print(status)
    if show_body:
        sys.stdout.write(body.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
