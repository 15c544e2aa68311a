"""Passwords, tokens, login throttling and the one way from a URL to a file."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with the library's defaults (RFC 9106 "second recommended" profile).
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so that a wrong name costs the same time
    as a wrong password and response times do not tell which names exist. Made on first use:
    hashing costs time that `dossier process` should not pay at start."""
    return _hasher.hash("not a password: " + secrets.token_hex(8))


MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Chinese), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 个字符"
    if password.strip() != password:
        return "密码首尾不能有空格"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


# ---- login throttling ----------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """Failed logins slow down further tries: after `free` failures within `window` seconds
    each further failure is answered only after a delay that doubles from `base` up to
    `cap`, and a try that arrives while a delay is still running is refused at once (so that
    parallel connections gain nothing). Counted per name and per address; an address gets
    more free tries because a whole office may sit behind one."""

    window: float = 900.0
    free_per_user: int = 5
    free_per_ip: int = 20
    base: float = 1.0
    cap: float = 30.0

    def delay(self, failures: int, free: int) -> float:
        if failures <= free:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - free - 1))


# ---- paths ---------------------------------------------------------------------------------


class BadPath(ValueError):
    """A path from outside that must not be used."""


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}


def clean_relative(path: str, max_parts: int = 32) -> str:
    """A '/'-separated relative path from a browser (a file's place in a picked folder),
    checked part by part: no '..', no absolute path, no drive, no control characters, no
    hidden names. Raises BadPath."""
    if not path or len(path) > 1024:
        raise BadPath("文件路径为空或过长")
    path = unicodedata.normalize("NFC", path).replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise BadPath(f"不允许绝对路径：{path}")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or len(parts) > max_parts:
        raise BadPath(f"文件路径层级不正确：{path}")
    for part in parts:
        if any(0xD800 <= ord(c) <= 0xDFFF for c in part):
            raise BadPath("文件名含无效的字符（不成对的 Unicode 代理项）")
        if part == ".." or part.startswith("."):
            raise BadPath(f"不允许的路径：{path}")
        if any(ord(c) < 32 or c in '<>:"|?*' for c in part) or len(part.encode()) > 255:
            raise BadPath(f"文件名含不允许的字符：{part}")
        if part.split(".")[0].lower() in _WINDOWS_RESERVED:
            raise BadPath(f"不允许的文件名：{part}")
    return "/".join(parts)


def clean_name(name: str, fallback: str) -> str:
    """A single file or folder name made from what a user typed (a batch's name)."""
    name = unicodedata.normalize("NFC", name).strip()
    name = "".join(
        "_" if ord(c) < 32 or c in '<>:"/\\|?*' or 0xD800 <= ord(c) <= 0xDFFF else c for c in name
    )
    name = name.strip(". ")[:80]
    return name or fallback


def inside(root: Path, relative: str) -> Path:
    """root/relative, resolved, if it is a file inside root; else BadPath.

    Everything a URL names goes through here: the resolved path (symbolic links followed)
    must lie under the resolved root, and no part of it may be hidden (.work, markers)."""
    if "\x00" in relative or "\\" in relative:
        raise BadPath(relative)
    rel = PurePosixPath(relative)
    if rel.is_absolute() or any(p in ("..", "") or p.startswith(".") for p in rel.parts):
        raise BadPath(relative)
    if any(len(p.encode("utf-8", "surrogatepass")) > 255 for p in rel.parts):
        raise BadPath(relative)  # no such name on any file system (ENAMETOOLONG)
    try:
        base = root.resolve()
        target = (base / rel).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            raise BadPath(relative)
    except (OSError, ValueError):  # a path too long in all, a loop of links
        raise BadPath(relative) from None
    return target


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (the directory entry itself)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
