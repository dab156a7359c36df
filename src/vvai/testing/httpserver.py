"""A real HTTP/1.1 artifact server with per-path fault injection, for the model-lifecycle tests and benchmarks.

Why hand-written: the download code must be tested against servers that misbehave in precise,
repeatable ways (cut the body after N bytes, stall, ignore ``Range``, lie about the length,
corrupt bytes, fail the first K requests, stream forever). No maintained library injects such
faults over a real socket, so we keep the real HTTP/1.1 parsing of :mod:`http.server` and only
add the behaviours. Everything runs in a background thread of the test process on 127.0.0.1.

Usage::

    with ArtifactServer() as srv:
        url = srv.add("/m/model.tar.gz", b"...")            # or a file path; add_file for big blobs
        srv.behave("/m/model.tar.gz", drop_after=1000, drop_times=1)
        ...                                                   # client downloads ``url``
        assert srv.requests_for("/m/model.tar.gz")[1].range == "bytes=1000-"

Behaviours (keyword arguments of :meth:`ArtifactServer.behave`, see :class:`Behaviour`) apply to
one URL path (the query string is ignored for matching, so presigned-style URLs work).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email.utils
import hashlib
import ipaddress
import os
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

GiB = 1 << 30
_CHUNK = 256 * 1024
_ENDLESS_CHUNK = bytes(range(256)) * 256  # 64 KiB of a non-zero pattern
_CORRUPT_SPAN = 16  # bytes flipped in the middle of a blob by ``wrong_bytes``


@dataclass
class Behaviour:
    """How the server answers one path. The default (no options) is a correct server.

    status / fail_times / retry_after:
        answer ``status`` (e.g. 404, 500, 503) with a short body; only for the first
        ``fail_times`` requests (GET and HEAD both count) if given, else always. ``retry_after``
        adds a ``Retry-After: <seconds>`` header to those answers.
    drop_after / drop_times / drop_rst:
        GET only: send the headers (full Content-Length), then ``drop_after`` bytes of this
        response's body, then close the connection (FIN, so the client deterministically receives
        exactly those bytes; ``drop_rst=True`` resets instead, and the client may then see fewer).
        Only the first ``drop_times`` GETs are cut if given, else every GET.
    ignore_range:
        answer 200 with the whole body even when ``Range`` is sent (still advertises
        ``Accept-Ranges: bytes``: the client must look at the status code).
    wrong_bytes:
        serve the right length but flip 16 bytes in the middle of the blob (consistently, also in
        ranges). ETag/Last-Modified stay those of the true content.
    endless / endless_cap:
        200 and an endless stream (no Content-Length unless ``declared_length`` is set), until the
        client disconnects, the server stops, or ``endless_cap`` bytes (default 2 GiB) were sent.
        Needs no registered blob.
    declared_length:
        send this Content-Length instead of the true one (a lying server): the true body is
        still sent, then the connection is closed (its framing is broken; a client that reuses
        it for another request reads garbage, as with a real lying server).
    stall_after / stall_max / stall_times:
        GET only: send ``stall_after`` body bytes, then hold the connection open without sending
        anything for up to ``stall_max`` seconds (released at once when the server stops), then
        close it. Only the first ``stall_times`` GETs stall if given, else every GET.
    slow:
        throttle the body to about this many bytes per second.
    header_delay:
        wait this many seconds before sending the status line (a server slow to answer).
    redirect:
        answer ``302 Found`` with ``Location: <redirect>`` (a URL or a path on this server).
    headers:
        extra response headers.
    no_validators:
        send neither ETag nor Last-Modified.
    """

    status: int | None = None
    fail_times: int | None = None
    retry_after: int | None = None
    drop_after: int | None = None
    drop_times: int | None = None
    drop_rst: bool = False
    ignore_range: bool = False
    wrong_bytes: bool = False
    endless: bool = False
    endless_cap: int = 2 * GiB
    declared_length: int | None = None
    stall_after: int | None = None
    stall_max: float = 30.0
    stall_times: int | None = None
    slow: int | None = None
    header_delay: float = 0.0
    redirect: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    no_validators: bool = False


@dataclass
class RequestRecord:
    """One request as the server saw it; appended when the request arrives, completed as it ends.

    ``outcome`` is one of: ``pending``, ``ok``, ``injected_status``, ``dropped``, ``stalled``,
    ``client_closed``, ``cap_reached``, ``server_stopped``, ``not_found``, ``range_not_satisfiable``,
    ``redirect``.
    """

    method: str
    path: str  # URL path, without the query string
    target: str  # the raw request target, with the query string
    range: str | None
    if_range: str | None
    headers: dict[str, str]
    time: float  # time.time() when the request line was parsed
    status: int | None = None
    body_bytes: int = 0  # body bytes actually written to the socket
    outcome: str = "pending"


@dataclass
class _Blob:
    data: bytes | None
    file: Path | None
    size: int
    sha256: str
    etag: str
    last_modified: str
    mtime: int


@dataclass
class _PathState:
    behaviour: Behaviour = field(default_factory=Behaviour)
    failures_served: int = 0
    drops_done: int = 0
    stalls_done: int = 0
    steps: list[Behaviour] = field(default_factory=list)  # one per request, before ``behaviour``


def _http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """Parse a single ``bytes=`` range against ``size``.

    Returns (first, last) inclusive, ``"unsatisfiable"`` (answer 416), or None when the header is
    not something we honour (multi-range, other units, malformed): RFC 9110 lets a server ignore
    such a Range and answer 200 with the full body.
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_s, dash, last_s = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_s == "":  # suffix range: the last N bytes
            n = int(last_s)
            if n < 0:
                return None
            if n == 0 or size == 0:
                return "unsatisfiable"
            return max(0, size - n), size - 1
        first = int(first_s)
        last = int(last_s) if last_s != "" else None
    except ValueError:
        return None
    if first < 0 or (last is not None and last < first):
        return None  # syntactically invalid: ignored
    if first >= size:
        return "unsatisfiable"
    return first, size - 1 if last is None else min(last, size - 1)


def _corrupt(chunk: bytes, offset: int, size: int) -> bytes:
    """Flip the bytes of ``chunk`` (at blob ``offset``) that fall in the corrupted middle span."""
    lo = size // 2
    hi = min(size, lo + _CORRUPT_SPAN)
    a, b = max(lo, offset), min(hi, offset + len(chunk))
    if a >= b:
        return chunk
    buf = bytearray(chunk)
    for i in range(a - offset, b - offset):
        buf[i] ^= 0xFF
    return bytes(buf)


def make_tls_material(folder: Path) -> tuple[Path, Path, Path]:
    """Write a throw-away CA and a server certificate for localhost/127.0.0.1 signed by it.

    Returns (ca_cert_path, server_cert_path, server_key_path). A client trusting ``ca_cert_path``
    verifies the server; a client using the system trust store must fail verification.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vvai test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


class _ClientGone(Exception):
    """The peer closed or reset the connection while we were writing."""


class _Aborted(Exception):
    """We reset the connection on purpose; nothing more may be written or flushed."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # socket timeout: a silent or non-reading client cannot pin a thread forever
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        """Silence the default stderr access log (the request log is ``ArtifactServer.requests``)."""

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                self.server.owner._note_tls_failure()
                self.close_connection = True
                return
        with contextlib.suppress(_ClientGone, _Aborted, ConnectionError, ssl.SSLError, TimeoutError):
            super().handle()

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    # -- helpers -----------------------------------------------------------------------------

    def _write(self, data: bytes | memoryview, rec: RequestRecord, beh: Behaviour, t0: float) -> None:
        """Write body bytes, honouring the ``slow`` throttle and counting what really left."""
        stop = self.server.owner._stop
        view = memoryview(data)
        piece = max(1, beh.slow // 20) if beh.slow else len(view) or 1
        for i in range(0, len(view), piece):
            if stop.is_set():
                raise _ClientGone("server stopping")
            part = view[i : i + piece]
            try:
                self.wfile.write(part)
            except (OSError, ValueError) as exc:
                raise _ClientGone(str(exc)) from exc
            rec.body_bytes += len(part)
            if beh.slow:
                ahead = rec.body_bytes / beh.slow - (time.monotonic() - t0)
                if ahead > 0:
                    stop.wait(ahead)

    def _close_abruptly(self, rst: bool) -> None:
        self.close_connection = True
        sock = self.connection
        if rst:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Drop the makefile() references first so close() really closes (and resets) now.
            with contextlib.suppress(OSError, ValueError):
                self.rfile.close()
                self.wfile.close()
            with contextlib.suppress(OSError):
                sock.close()
            raise _Aborted
        else:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)

    def _simple(
        self,
        rec: RequestRecord,
        code: int,
        body: bytes,
        outcome: str,
        head: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        rec.status, rec.outcome = code, outcome
        if not head and body:
            self.wfile.write(body)
            rec.body_bytes = len(body)

    def _if_range_matches(self, blob: _Blob, beh: Behaviour) -> bool:
        """True when there is no If-Range or it matches the current representation."""
        value = self.headers.get("If-Range")
        if value is None:
            return True
        if beh.no_validators:
            return False
        value = value.strip()
        if value.startswith('"') or value.startswith("W/"):
            return value == blob.etag  # strong comparison: a weak tag never matches
        return value == blob.last_modified

    # -- the one request path ----------------------------------------------------------------

    def _serve(self, head: bool) -> None:
        owner = self.server.owner
        path = urlsplit(self.path).path
        rec = RequestRecord(
            method=self.command,
            path=path,
            target=self.path,
            range=self.headers.get("Range"),
            if_range=self.headers.get("If-Range"),
            headers={k: v for k, v in self.headers.items()},
            time=time.time(),
        )
        owner._record(rec)
        beh, fail_now, drop_now, blob = owner._decide(path, head)
        try:
            self._respond(rec, beh, fail_now, drop_now, blob, head)
        except _ClientGone:
            self.close_connection = True
            rec.outcome = "server_stopped" if owner._stop.is_set() else "client_closed"
            raise

    def _respond(
        self,
        rec: RequestRecord,
        beh: Behaviour,
        fail_now: bool,
        drop_now: bool,
        blob: _Blob | None,
        head: bool,
    ) -> None:
        owner = self.server.owner
        if beh.header_delay:
            owner._stop.wait(beh.header_delay)
        if fail_now:
            extra = {"Retry-After": str(beh.retry_after)} if beh.retry_after is not None else None
            body = f"injected status {beh.status}\n".encode()
            self._simple(rec, int(beh.status or 500), body, "injected_status", head, extra)
            return
        if beh.redirect:
            self._simple(rec, 302, b"", "redirect", head, {"Location": beh.redirect})
            return
        if beh.endless:
            self._endless(rec, beh, head)
            return
        if blob is None:
            self._simple(rec, 404, b"not found\n", "not_found", head)
            return

        first, last, code = 0, blob.size - 1, 200
        rng = self.headers.get("Range")
        if rng is not None and not beh.ignore_range and self._if_range_matches(blob, beh):
            parsed = parse_range(rng, blob.size)
            if parsed == "unsatisfiable":
                self._simple(
                    rec, 416, b"", "range_not_satisfiable", head, {"Content-Range": f"bytes */{blob.size}"}
                )
                return
            if isinstance(parsed, tuple):
                first, last, code = parsed[0], parsed[1], 206
        length = last - first + 1

        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header(
            "Content-Length", str(beh.declared_length if beh.declared_length is not None else length)
        )
        self.send_header("Accept-Ranges", "bytes")
        if not beh.no_validators:
            self.send_header("ETag", blob.etag)
            self.send_header("Last-Modified", blob.last_modified)
        if code == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{blob.size}")
        for k, v in beh.headers.items():
            self.send_header(k, v)
        self.end_headers()
        rec.status = code
        if head:
            rec.outcome = "ok"
            return

        limit = length
        if drop_now and beh.drop_after is not None:
            limit = min(limit, beh.drop_after)
        stall = beh.stall_after is not None
        if stall:
            limit = min(limit, int(beh.stall_after or 0))
        t0 = time.monotonic()
        plain = not (beh.slow or beh.wrong_bytes or limit < length)
        if plain and blob.file is not None and not isinstance(self.connection, ssl.SSLSocket):
            self._sendfile(rec, blob.file, first, length)
        else:
            for offset, chunk in _iter_blob(blob, first, limit):
                if beh.wrong_bytes:
                    chunk = _corrupt(chunk, offset, blob.size)
                self._write(chunk, rec, beh, t0)

        if drop_now and beh.drop_after is not None and beh.drop_after < length:
            rec.outcome = "dropped"
            self._close_abruptly(beh.drop_rst)
        elif stall and limit < length:
            rec.outcome = "stalled"
            owner._stop.wait(beh.stall_max)
            self._close_abruptly(rst=False)
        elif beh.declared_length is not None and beh.declared_length != length:
            rec.outcome = "ok"
            self._close_abruptly(rst=False)  # framing is broken: never reuse this connection
        else:
            rec.outcome = "ok"

    def _sendfile(self, rec: RequestRecord, file: Path, first: int, length: int) -> None:
        """Zero-copy body for big files: the blob is never loaded in memory."""
        with file.open("rb") as f:
            try:
                sent = self.connection.sendfile(f, offset=first, count=length)
            except OSError as exc:
                raise _ClientGone(str(exc)) from exc
        rec.body_bytes += sent
        if sent < length:
            raise _ClientGone("short sendfile")

    def _endless(self, rec: RequestRecord, beh: Behaviour, head: bool) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if beh.declared_length is not None:
            self.send_header("Content-Length", str(beh.declared_length))
        self.send_header("Connection", "close")
        for k, v in beh.headers.items():
            self.send_header(k, v)
        self.end_headers()
        rec.status = 200
        if head:
            rec.outcome = "ok"
            return
        t0 = time.monotonic()
        view = memoryview(_ENDLESS_CHUNK)
        while rec.body_bytes < beh.endless_cap:
            self._write(view[: beh.endless_cap - rec.body_bytes], rec, beh, t0)
        rec.outcome = "cap_reached"
        self._close_abruptly(rst=False)


def _iter_blob(blob: _Blob, first: int, count: int) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, bytes) chunks of ``count`` bytes of ``blob`` from ``first``, reading lazily."""
    if blob.data is not None:
        for off in range(first, first + count, _CHUNK):
            yield off, blob.data[off : min(off + _CHUNK, first + count)]
        return
    assert blob.file is not None
    with blob.file.open("rb") as f:
        f.seek(first)
        off, left = first, count
        while left > 0:
            chunk = f.read(min(_CHUNK, left))
            if not chunk:
                raise _ClientGone(f"{blob.file} shrank while being served")
            yield off, chunk
            off += len(chunk)
            left -= len(chunk)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # ArtifactServer.stop() joins the handler threads itself, with a bound

    def __init__(self, owner: ArtifactServer, address: tuple[str, int], ssl_context: ssl.SSLContext | None):
        self.owner = owner
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            # Handshake later, in the handler thread, so a bad client cannot block accept().
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        t = threading.Thread(
            target=self._run_one, args=(request, client_address), daemon=True, name="artifact-conn"
        )
        self.owner._track(t, request)
        t.start()

    def _run_one(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        try:
            self.process_request_thread(request, client_address)
        finally:
            self.owner._untrack(request)

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """Keep unexpected handler exceptions for tests to inspect instead of printing them."""
        self.owner.errors.append(traceback.format_exc())


class ArtifactServer:
    """Serves registered blobs over HTTP/1.1 (or HTTPS with ``tls=True``) with injectable faults.

    Start with :meth:`start` or ``with ArtifactServer() as srv:``; :meth:`stop` is idempotent,
    releases stalled and endless responses, and joins the handler threads.
    """

    def __init__(self, *, tls: bool = False, host: str = "127.0.0.1"):
        self.host = host
        self.tls = tls
        self.port: int = 0
        self.cert_path: Path | None = None  # CA certificate a client must trust (tls=True only)
        self.errors: list[str] = []  # unexpected exceptions inside handlers (should stay empty)
        self.tls_failures = 0  # TLS handshakes that failed (e.g. the client refused our cert)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._blobs: dict[str, _Blob] = {}
        self._paths: dict[str, _PathState] = {}
        self._requests: list[RequestRecord] = []
        self._conns: dict[socket.socket, threading.Thread] = {}
        self._threads: list[threading.Thread] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ArtifactServer:
        if self._httpd is not None:
            return self
        ctx = None
        if self.tls:
            self._tmp = Path(tempfile.mkdtemp(prefix="vvai-artifact-tls-"))
            ca, cert, key = make_tls_material(self._tmp)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.cert_path = ca
        self._stop.clear()
        self._httpd = _HTTPServer(self, (self.host, 0), ctx)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"artifact-server-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stop.set()
        httpd.shutdown()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:  # unblock handlers waiting on a keep-alive read or a blocked send
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        deadline = time.monotonic() + 5
        for t in list(self._threads):
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> ArtifactServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- content -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server (with https://localhost for a TLS server)."""
        path = _norm(path)
        if self.tls:  # the certificate names localhost and 127.0.0.1; a hostname reads better
            return f"https://localhost:{self.port}{path}"
        return f"{self.base_url}{path}"

    def add(self, path: str, data: bytes | str | os.PathLike[str], *, sha256: str | None = None) -> str:
        """Register ``data`` (bytes, or a file path served lazily) at ``path``; returns its URL.

        Registering again replaces the content: new ETag, and a Last-Modified strictly later
        than the previous one, so If-Range with an old validator no longer matches.
        """
        if isinstance(data, bytes | bytearray | memoryview):
            raw = bytes(data)
            digest = hashlib.sha256(raw).hexdigest()
            self._put(path, _Blob(raw, None, len(raw), digest, "", "", 0))
            return self.url(path)
        return self.add_file(path, data, sha256=sha256)

    def add_file(self, path: str, file_path: str | os.PathLike[str], *, sha256: str | None = None) -> str:
        """Register a file, read lazily at request time (sendfile on plain HTTP); returns its URL.

        ``sha256`` (hex) skips hashing the file here: pass it for very large files whose digest
        you already know. The file must not change while registered.
        """
        fp = Path(file_path)
        st = fp.stat()
        digest = sha256 or _sha256_file(fp)
        self._put(path, _Blob(None, fp, st.st_size, digest, "", "", 0))
        return self.url(path)

    def _put(self, path: str, blob: _Blob) -> None:
        path = _norm(path)
        with self._lock:
            old = self._blobs.get(path)
            mtime = int(time.time())
            if old is not None and mtime <= old.mtime:
                mtime = old.mtime + 1
            blob.mtime = mtime
            blob.last_modified = _http_date(mtime)
            blob.etag = f'"{blob.sha256[:32]}"'
            self._blobs[path] = blob

    def remove(self, path: str) -> None:
        with self._lock:
            self._blobs.pop(_norm(path), None)

    def sha256(self, path: str) -> str:
        return self._blobs[_norm(path)].sha256

    def size(self, path: str) -> int:
        return self._blobs[_norm(path)].size

    def etag(self, path: str) -> str:
        return self._blobs[_norm(path)].etag

    def last_modified(self, path: str) -> str:
        return self._blobs[_norm(path)].last_modified

    # -- behaviours --------------------------------------------------------------------------

    def behave(self, path: str, **opts: object) -> Behaviour:
        """Set how ``path`` is answered (see :class:`Behaviour`); resets its fail/drop counters.

        ``behave(path)`` with no options restores a correct server. Unknown options raise TypeError.
        """
        beh = Behaviour(**opts)  # type: ignore[arg-type]
        with self._lock:
            self._paths[_norm(path)] = _PathState(beh)
        return beh

    def behave_sequence(self, path: str, steps: list[dict[str, object]], **then: object) -> None:
        """Script ``path`` request by request: request i (GET or HEAD) gets ``steps[i]``.

        Each step is a dict of :class:`Behaviour` options applied to exactly one request (a step
        with ``status`` fails that request, one with ``drop_after`` cuts it if it is a GET); once
        the steps are used up, ``then`` options apply (default: a correct server). Example:
        ``behave_sequence(p, [dict(status=503), dict(drop_after=1000), {}], slow=10_000)``.
        """
        planned = [Behaviour(**step) for step in steps]  # type: ignore[arg-type]
        beh = Behaviour(**then)  # type: ignore[arg-type]
        with self._lock:
            self._paths[_norm(path)] = _PathState(beh, steps=planned)

    def _decide(self, path: str, head: bool) -> tuple[Behaviour, bool, bool, _Blob | None]:
        with self._lock:
            st = self._paths.get(path) or _PathState()
            if st.steps:
                step = st.steps.pop(0)
                drop = not head and step.status is None and step.drop_after is not None
                return step, step.status is not None, drop, self._blobs.get(path)
            beh = st.behaviour
            fail_now = False
            if beh.status is not None and (beh.fail_times is None or st.failures_served < beh.fail_times):
                st.failures_served += 1
                fail_now = True
            drop_now = False
            if (
                not head
                and not fail_now
                and beh.drop_after is not None
                and (beh.drop_times is None or st.drops_done < beh.drop_times)
            ):
                st.drops_done += 1
                drop_now = True
            if beh.stall_after is not None and not head and not fail_now:
                if beh.stall_times is None or st.stalls_done < beh.stall_times:
                    st.stalls_done += 1
                else:
                    beh = dataclasses.replace(beh, stall_after=None)
            return beh, fail_now, drop_now, self._blobs.get(path)

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str, method: str | None = None) -> list[RequestRecord]:
        path = _norm(path)
        return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for_requests(self, path: str, count: int, timeout: float = 5.0) -> list[RequestRecord]:
        """Wait until ``path`` received ``count`` requests (for clients running in other threads)."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.requests_for(path)
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.01)

    def settle(self, timeout: float = 5.0) -> list[RequestRecord]:
        """Wait until every request received so far has finished, then return the log.

        A client may see the last body byte before the server thread has recorded its outcome:
        call this before asserting on ``outcome``/``body_bytes`` of requests that should be over.
        """
        deadline = time.monotonic() + timeout
        while any(r.outcome == "pending" for r in self.requests) and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.requests

    def wait_for_outcome(self, path: str, outcome: str, timeout: float = 5.0) -> RequestRecord | None:
        """Wait until the latest request for ``path`` reaches ``outcome`` (e.g. "stalled")."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.requests_for(path)
            if recs and recs[-1].outcome == outcome:
                return recs[-1]
            if time.monotonic() > deadline:
                return None
            time.sleep(0.005)

    def wait_for_tls_failures(self, count: int = 1, timeout: float = 5.0) -> int:
        """Wait until ``count`` TLS handshakes failed (the server sees a refusal a moment later)."""
        deadline = time.monotonic() + timeout
        while self.tls_failures < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.tls_failures

    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self._requests.append(rec)

    def _note_tls_failure(self) -> None:
        with self._lock:
            self.tls_failures += 1

    def _track(self, thread: threading.Thread, sock: socket.socket) -> None:
        with self._lock:
            self._conns[sock] = thread
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._conns.pop(sock, None)


def _norm(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def write_blob_file(path: str | os.PathLike[str], size: int, seed: bytes = b"vvai") -> str:
    """Write ``size`` deterministic, incompressible-looking bytes to ``path`` in 1 MiB pieces.

    For the big-download benchmark: never holds the blob in memory. Returns its sha256 (hex), to
    pass to :meth:`ArtifactServer.add_file` (``sha256=``) and to a manifest.
    """
    block = hashlib.shake_256(seed).digest(1 << 20)
    h = hashlib.sha256()
    left, i = size, 0
    with open(path, "wb") as f:
        while left > 0:
            piece = (i.to_bytes(8, "little") + block[8:])[: min(left, len(block))]
            f.write(piece)
            h.update(piece)
            left -= len(piece)
            i += 1
    return h.hexdigest()
