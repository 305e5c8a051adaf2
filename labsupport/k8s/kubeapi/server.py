"""``cluster.serve()``: the simulated cluster as a Kubernetes API endpoint for real kubectl and the official client.

* Listens on ``127.0.0.1`` only, on a free port chosen by the OS, over TLS: client-go sends a kubeconfig's
  bearer token only over TLS (kubernetes/kubectl#744), so each server makes a fresh self-signed certificate
  for ``IP:127.0.0.1`` with the ``openssl`` command (no shell) and puts it in the kubeconfig as the CA.
* Every request needs ``Authorization: Bearer <token>`` (a random token written to the kubeconfig);
  without it the answer is ``401 Unauthorized`` (a ``Status`` with reason ``Unauthorized``, as kube-apiserver).
* A kubeconfig (cluster ``simulated``, user ``learner``, context ``simulated``) is written to a fresh
  temporary directory; ``server.kubeconfig`` is its path.
* Requests are answered on background threads (``http.server.ThreadingHTTPServer``), each while holding
  the cluster's lock, so a request sees the state between two ``cluster.run`` steps, never during one.
  The simulated clock does not move by itself: kubectl sees the cluster at ``cluster.now`` and Python
  moves time on with ``cluster.run``. ``serve(realtime=True)`` adds a thread that runs the simulation
  along with the wall clock (simulated seconds = wall seconds): for free exploration only, it is
  **not deterministic** (what a command sees depends on when it runs).
* Watches (``kubectl get -w``, ``kubectl rollout status``, the client's ``watch.Watch``) are fed by a
  watch cache: a store watcher named ``kube-apiserver`` that keeps copies of the last
  :data:`WATCH_CACHE_SIZE` writes (a watch from an older resourceVersion gets 410 Expired, as with
  kube-apiserver's watch cache).

The server stops on ``server.stop()``, when the cluster is dropped, or at interpreter exit.

>>> from labsupport import k8s
>>> server = KubeServer(k8s.Cluster(seed=0))
>>> server.url.startswith("https://127.0.0.1:"), server.running
(True, True)
>>> server.stop(); server.running
False
"""
from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import weakref
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from labsupport.core import LabError
from labsupport.k8s.kubeapi.resources import BY_KIND
from labsupport.k8s.kubeapi.rest import Request, RestAPI, WatchSpec
from labsupport.k8s.kubeapi.wire import EPOCH, status_error
from labsupport.k8s.objects import copy_json

__all__ = ["KubeServer", "WatchCache", "WATCH_CACHE_SIZE"]

WATCH_CACHE_SIZE = 10_000


class WatchCache:
    """Copies of recent writes ``(resourceVersion, type, kind, object)`` for the kinds the API serves."""

    def __init__(self, cluster, size: int = WATCH_CACHE_SIZE) -> None:
        self.events: deque = deque(maxlen=size)
        self.oldest = cluster.store.resource_version + 1
        self.active = True
        for kind, r in BY_KIND.items():
            if r.stored:
                cluster.store.watch(kind, self._on_event, owner="kube-apiserver")

    def _on_event(self, ev) -> None:
        if not self.active:
            return
        if len(self.events) == self.events.maxlen:
            self.oldest = self.events[0][0] + 1
        self.events.append((ev.resource_version, ev.type, ev.object["kind"], copy_json(ev.object)))

    def after(self, rv: int) -> list:
        return [e for e in self.events if e[0] > rv]


def _handler_class(server_ref):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "labsupport-kube-apiserver"

        def log_message(self, *args) -> None:  # no request log on the notebook's stderr
            pass

        def _send(self, code: int, body, ctype: str = "application/json", headers=()) -> None:
            data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self) -> None:
            server = server_ref()
            if server is None or server.stopped.is_set():
                self._send(503, status_error(503, "ServiceUnavailable", "the simulated API server is stopped"))
                return
            auth = self.headers.get("Authorization", "")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if not hmac.compare_digest(auth.encode(), f"Bearer {server.token}".encode()):
                self._send(401, status_error(401, "Unauthorized", "Unauthorized"))
                return
            url = urllib.parse.urlsplit(self.path)
            req = Request(self.command, url.path, urllib.parse.parse_qs(url.query), {k.lower(): v for k, v in self.headers.items()}, body)
            if len(self.headers.get_all("Impersonate-Group") or []) > 1:   # kubectl sends one header per --as-group
                req.headers["impersonate-group"] = ",".join(self.headers.get_all("Impersonate-Group"))
            with server.lock:
                resp = server.api.handle(req)
            if isinstance(resp, WatchSpec):
                self._watch(server, resp)
                return
            self._send(resp.code, resp.body, resp.content_type, resp.headers)

        def _watch(self, server, spec: WatchSpec) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            deadline = None if spec.timeout is None else time.monotonic() + spec.timeout
            since = spec.since
            try:
                for ev in spec.initial or ():
                    data = (json.dumps(ev) + "\n").encode()
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                while not server.stopped.is_set() and (deadline is None or time.monotonic() < deadline):
                    with server.lock:
                        events, since = server.api.watch_events(WatchSpec(spec.resource, spec.namespace, since, spec.labels, spec.fields,
                                                                          spec.as_table, spec.timeout))
                    for ev in events:
                        data = (json.dumps(ev) + "\n").encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                    server.stopped.wait(0.05)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:  # the client went away (ssl.SSLError is an OSError)
                pass
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


def _self_signed(directory: str) -> str:
    """A one-day self-signed certificate for IP 127.0.0.1 (key ``server.key``); returns the certificate's path."""
    cert, key = os.path.join(directory, "server.crt"), os.path.join(directory, "server.key")
    openssl = shutil.which("openssl")
    if openssl is None:
        raise LabError("serve: the openssl command is needed to make the server's TLS certificate (apt-get install openssl)")
    cmd = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
           "-days", "1", "-subj", "/CN=labsupport-kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LabError(f"serve: openssl could not make the TLS certificate: {done.stderr.strip()}")
    os.chmod(key, 0o600)
    return cert


class KubeServer:
    """A running API endpoint for one cluster: ``url``, ``kubeconfig`` (path), ``token``, :meth:`stop`."""

    def __init__(self, cluster, realtime: bool = False) -> None:
        self.lock = cluster.api_lock
        self.token = secrets.token_urlsafe(32)
        self.realtime = realtime
        self.stopped = threading.Event()
        self.cache = WatchCache(cluster)
        self.directory = tempfile.mkdtemp(prefix="labsupport-kube-")
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(weakref.ref(self)))
        self._httpd.daemon_threads = True
        try:
            self.certificate = _self_signed(self.directory)
        except LabError:
            self._httpd.server_close()
            shutil.rmtree(self.directory, ignore_errors=True)
            raise
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.certificate, os.path.join(self.directory, "server.key"))
        self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        host, port = self._httpd.server_address[:2]
        self.url = f"https://{host}:{port}"
        epoch = EPOCH
        if realtime:
            import datetime as _dt
            epoch = _dt.datetime.now(_dt.UTC) - _dt.timedelta(seconds=cluster.now)
        self.api = RestAPI(cluster, self.cache, f"{host}:{port}", epoch)
        self.kubeconfig = os.path.join(self.directory, "config")
        self._write_kubeconfig()
        self._threads = [threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="kube-apiserver")]
        if realtime:
            self._threads.append(threading.Thread(target=KubeServer._clock, args=(weakref.ref(cluster), self.stopped, self.lock), daemon=True,
                                                  name="kube-realtime"))
        for t in self._threads:
            t.start()
        self._finalizer = weakref.finalize(self, KubeServer._shutdown, self._httpd, self.stopped, self.cache, self.directory)

    def _write_kubeconfig(self) -> None:
        with open(self.certificate, "rb") as f:
            ca = base64.b64encode(f.read()).decode()
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "simulated", "preferences": {},
                  "clusters": [{"name": "simulated", "cluster": {"server": self.url, "certificate-authority-data": ca}}],
                  "users": [{"name": "learner", "user": {"token": self.token}}],
                  "contexts": [{"name": "simulated", "context": {"cluster": "simulated", "user": "learner", "namespace": "default"}}]}
        fd = os.open(self.kubeconfig, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            yaml.safe_dump(config, f, sort_keys=False)

    @staticmethod
    def _clock(cluster_ref, stopped, lock) -> None:
        last = time.monotonic()
        while not stopped.wait(0.1):
            cluster = cluster_ref()
            if cluster is None:
                return
            now = time.monotonic()
            with lock:
                cluster.run(now - last)
            last = now
            del cluster

    @staticmethod
    def _shutdown(httpd, stopped, cache, directory) -> None:
        stopped.set()
        cache.active = False
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(directory, ignore_errors=True)

    @property
    def running(self) -> bool:
        """Whether the server still answers."""
        return not self.stopped.is_set()

    def stop(self) -> None:
        """Stop answering, close the port and remove the kubeconfig."""
        self._finalizer()

    def __repr__(self) -> str:
        mode = ", realtime: NOT deterministic" if self.realtime else ""
        state = "running" if self.running else "stopped"
        return f"KubeServer({self.url}, kubeconfig={self.kubeconfig}, {state}{mode})"
