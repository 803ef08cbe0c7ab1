"""Reaching Ray for a scan: a private cluster for `--ray local`, or a running cluster by its
address, always under Ray's token authentication, and leaving nothing behind.

Ray 2.60 (requirements.lock) and its token (docs.ray.io ray-security/token-auth):
- A process finds the token, highest precedence first, in RAY_AUTH_TOKEN, in the file
  named by RAY_AUTH_TOKEN_PATH, or in ~/.ray/auth_token (`ray get-auth-token` prints it).
- Token mode is RAY_AUTH_MODE=token. `ray start --head` turns it on by itself when a token
  is found (the message "Token authentication is enabled for this Ray cluster"), and so
  does `ray.init()` for a new local cluster, but `ray.init(address=HOST:PORT)` does not: a
  driver that gives an address sends no token unless RAY_AUTH_MODE=token is set, and then
  retries "InvalidAuthToken" once a second for 20 s before a bare ConnectionError
  (measured: issue 18). So for an address, where RAY_AUTH_MODE is not set, a token found
  the documented way turns token mode on here, the rule `ray start --head` applies.
- Before `ray.init`, one TCP connect and one GCS call (Ray's own client, 5 s limit) tell
  "nothing listens there" from "the token is missing or refused": measured 0.3 s for a
  refused token against 20 s of retries inside `ray.init`. A token problem is a
  RayAuthError (the CLI exits 2) whose one line says how to provide the token.
- `--ray local`: the private cluster gets a fresh random token of its own, handed to its
  processes in RAY_AUTH_TOKEN (highest precedence, so a user's token for another cluster
  is never sent to it and ~/.ray/auth_token is neither read nor written: `ray.init()`
  writes a new token there when it finds none). Its sessions live in a temp dir made for
  the scan (RayOptions.temp_dir, else RAY_TMPDIR, else the system temp dir: a short path,
  as Ray's socket paths must fit in 107 bytes), removed when the scan ends.
- Every variable set here is put back when the scan ends (scans also run in-process).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

from ..workers.queue import WorkerError

PROBE_TIMEOUT_S = 5.0
# Ray puts session_<date>_<time>_<usec>_<pid>/sockets/plasma_store (up to 66 bytes) under its
# temp dir, and a Unix socket path holds at most 107.
MAX_TEMP_DIR = 40
TOKEN_HELP = ("put the head's token (`ray get-auth-token` on the head) in ~/.ray/auth_token "
              "or in a file named by RAY_AUTH_TOKEN_PATH")
_CHECKED: set[tuple] = set()  # (address, token settings) that answered
# Variables this module may change for the scan's lifetime, restored at close.
_ENV = ("RAY_USAGE_STATS_ENABLED", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN")


class RayAuthError(WorkerError):
    """The cluster wants a token this driver does not have (or has wrong): a usage error."""

    exit_code = 2


def split_address(address: str) -> Optional[tuple[str, int]]:
    """(host, port) of HOST:PORT or [IPv6]:PORT; None for what only ray.init understands
    (auto, ray://...)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host or "/" in host:
        return None
    return host.strip("[]"), int(port)


def token_source() -> Optional[str]:
    """Where Ray takes the token from in this process (its documented precedence), or None."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return "RAY_AUTH_TOKEN"
    if os.environ.get("RAY_AUTH_TOKEN_PATH"):
        return f"RAY_AUTH_TOKEN_PATH={os.environ['RAY_AUTH_TOKEN_PATH']}"
    default = Path.home() / ".ray" / "auth_token"
    return str(default) if default.is_file() else None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Ray's C++ client logs each refused call to fd 2 ("Failed to get cluster ID from GCS
    server: Unauthenticated"); the scan says it once, in its own words (and --log-json keeps
    stderr one JSON object per line)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _refresh_auth() -> None:
    """Make Ray in this process read RAY_AUTH_MODE / RAY_AUTH_TOKEN again (both are cached)."""
    from ray._raylet import AuthenticationTokenLoader, Config  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def _client_auth(address: str) -> None:
    """Token mode for a driver that names an address: as set in RAY_AUTH_MODE, else on when a
    token is found. A token file that is named but unreadable stops here."""
    from ray._raylet import AuthenticationTokenLoader  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)
    from ray.exceptions import AuthenticationError  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

    try:
        found = AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True)
    except AuthenticationError:  # RAY_AUTH_TOKEN_PATH names a missing or empty file
        raise RayAuthError(f"cannot use Ray at {address!r}: RAY_AUTH_TOKEN_PATH names "
                           f"{os.environ.get('RAY_AUTH_TOKEN_PATH')!r}, which is missing or empty; "
                           f"{TOKEN_HELP}") from None
    mode = os.environ.get("RAY_AUTH_MODE")
    if mode is None and found:
        os.environ["RAY_AUTH_MODE"] = "token"
        _refresh_auth()
    elif mode == "token" and not found:
        raise RayAuthError(f"cannot use Ray at {address!r}: RAY_AUTH_MODE=token is set but no token was found; "
                           f"{TOKEN_HELP}")


def check_access(address: str) -> None:
    """Stop at once, with one line, when the cluster at `address` cannot be used: nothing
    listens there (WorkerError), or its token is missing or refused (RayAuthError).
    Sets token mode for this process as `_client_auth` decides (restored by RaySession)."""
    where = split_address(address)
    if where is None:
        return  # auto / ray:// : left to ray.init
    try:
        socket.create_connection(where, timeout=PROBE_TIMEOUT_S).close()
    except OSError as e:
        raise WorkerError(f"cannot reach Ray at {address!r} ({e.strerror or e}): is `ray start --head "
                          f"--port={where[1]}` running there, and the port open to this machine?") from None
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        from ray._raylet import InnerGcsClient  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)
        from ray.exceptions import AuthenticationError, RayError  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)
    except ImportError as e:
        raise WorkerError(f"--ray needs the ray package ({e})") from None
    _client_auth(address)
    key = (address, *(os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")))
    if key in _CHECKED:  # the CLI checks before the scan, the scan's RaySession again
        return
    try:
        with _quiet_stderr():
            InnerGcsClient.standalone(address, None, int(PROBE_TIMEOUT_S * 1000))
    except AuthenticationError:
        src = token_source()
        if os.environ.get("RAY_AUTH_MODE", "").lower() == "disabled":
            why = "it requires token authentication and RAY_AUTH_MODE=disabled is set here (unset it)"
        elif src is None:
            why = "it requires token authentication and no token was found"
        else:
            why = f"it refused the token from {src} (not this cluster's token)"
        raise RayAuthError(f"cannot use Ray at {address!r}: {why}; {TOKEN_HELP}") from None
    except RayError as e:
        raise WorkerError(f"cannot reach Ray at {address!r}: {e}") from None
    _CHECKED.add(key)


class RaySession:
    """Ray started or joined for one scan; `close()` shuts down what this scan started,
    removes its temp dir and puts back the variables set here."""

    def __init__(self, address: str, num_cpus: int, object_store: int, temp_root: Optional[str] = None):
        self._before = {k: os.environ.get(k) for k in _ENV}
        self.owns = False
        self.temp_dir: Optional[str] = None
        try:
            self._open(address, num_cpus, object_store, temp_root)
        except BaseException:
            self.close()
            raise

    def _open(self, address: str, num_cpus: int, object_store: int, temp_root: Optional[str]) -> None:
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # before Ray starts: no usage report is ever sent
        import ray  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

        self.ray = ray
        quiet = dict(log_to_driver=False, logging_level="ERROR")  # stderr stays clean for --log-json
        if ray.is_initialized():
            return
        if address == "local":
            from ray._private.authentication.authentication_token_generator import generate_new_authentication_token  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

            root = temp_root or os.environ.get("RAY_TMPDIR") or tempfile.gettempdir()
            self.temp_dir = tempfile.mkdtemp(prefix="ce-ray-", dir=root)
            if len(self.temp_dir.encode()) > MAX_TEMP_DIR:
                raise WorkerError(f"--ray local: Ray's socket paths must fit in 107 bytes, and a temp dir in {root} "
                                  f"leaves too little room: set RAY_TMPDIR to a shorter folder")
            os.environ["RAY_AUTH_MODE"] = "token"
            os.environ["RAY_AUTH_TOKEN"] = generate_new_authentication_token()
            _refresh_auth()
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, object_store_memory=object_store,
                     _temp_dir=self.temp_dir, **quiet)
        else:
            check_access(address)
            ray.init(address=address, **quiet)
        self.owns = True

    def close(self) -> None:
        if self.owns:
            self.ray.shutdown()
            self.owns = False
        self._remove_temp()
        self._restore_env()

    def _remove_temp(self) -> None:
        if self.temp_dir is None:
            return
        for _ in range(20):  # Ray's processes may still be closing their logs
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            if not os.path.exists(self.temp_dir):
                break
            time.sleep(0.25)
        self.temp_dir = None

    def _restore_env(self) -> None:
        changed = False
        for k, v in self._before.items():
            if os.environ.get(k) != v:
                changed = True
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        if changed and "ray._raylet" in sys.modules:
            _refresh_auth()
