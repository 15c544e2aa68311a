"""Errors that carry a reason a reviewer can read (in Chinese)."""


class UnreadableFile(Exception):
    """A file that cannot be read (corrupt, encrypted, undecodable): marked `unreadable`."""


class BatchUnreadable(Exception):
    """The batch itself cannot be read: `dossier process` exits 2."""
