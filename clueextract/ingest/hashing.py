"""Open evidence read-only and hash it (SHA-256, MD5, SHA-1) in a single read."""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass

CHUNK = 1 << 20
HEAD = 8192

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NOATIME = getattr(os, "O_NOATIME", 0)


@dataclass(frozen=True)
class Hashes:
    sha256: str
    md5: str
    sha1: str
    size: int
    head: bytes  # first bytes, for content sniffing


def open_readonly(path: str) -> int:
    """File descriptor opened read-only, never following a link, without updating
    atime where the OS allows it (O_NOATIME needs ownership; fall back without it)."""
    if _NOATIME:
        try:
            return os.open(path, _FLAGS | _NOATIME)
        except PermissionError:
            pass
    return os.open(path, _FLAGS)


def hash_file(path: str) -> Hashes:
    fd = open_readonly(path)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        s256, md5, s1 = hashlib.sha256(), hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False)
        head = b""
        size = 0
        while True:
            b = os.read(fd, CHUNK)
            if not b:
                break
            if len(head) < HEAD:
                head += b[: HEAD - len(head)]
            size += len(b)
            s256.update(b)
            md5.update(b)
            s1.update(b)
        return Hashes(s256.hexdigest(), md5.hexdigest(), s1.hexdigest(), size, head)
    finally:
        os.close(fd)


def read_head(path: str) -> bytes:
    """The first HEAD bytes, read-only as hash_file reads them: for sniffing a file again whose
    hashes are known (a resumed scan under a new configuration)."""
    fd = open_readonly(path)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        head = b""
        while len(head) < HEAD:
            b = os.read(fd, HEAD - len(head))
            if not b:
                break
            head += b
        return head
    finally:
        os.close(fd)
