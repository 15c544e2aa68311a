"""How one web desk is set up: where files go, which database, limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from webdesk.security import Throttle

DEFAULT_OUT = Path("dossier-out")
DEFAULT_MAX_UPLOAD = 2 * 1024**3  # 2 GB per batch
UPLOADS = "uploads"
INBOX = "inbox"


@dataclass
class Settings:
    """out:          the output folder: <out>/<batch key>/ holds each batch's reports,
                     <out>/uploads/<batch key>/ what was uploaded (kept, never overwritten)
    db_url:        the pipeline's database (default: sqlite file <out>/dossier.db)
    inbox:         the folder `dossier serve --inbox` watches ("今晚处理" moves batches there)
    nightly_out:   the `--out` of that `dossier serve` (where the nightly reports appear)
    """

    out: Path
    db_url: str
    inbox: Path
    nightly_out: Path
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    max_files: int = 20_000
    secure_cookies: bool = False
    session_hours: float = 12.0
    throttle: Throttle = field(default_factory=Throttle)
    # The background worker: off in tests that only look at pages.
    run_worker: bool = True
    poll_seconds: float = 2.0
    # The time the login throttle goes by: tests pass a clock they move themselves.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def make(
        cls,
        out: Path | str = DEFAULT_OUT,
        db_url: str | None = None,
        inbox: Path | str | None = None,
        nightly_out: Path | str | None = None,
        **options: object,
    ) -> Settings:
        from pipeline.store import default_url  # SQLAlchemy: not needed to build the CLI

        root = Path(out).absolute()
        return cls(
            out=root,
            db_url=db_url or default_url(root),
            inbox=Path(inbox).absolute() if inbox else root / INBOX,
            nightly_out=Path(nightly_out).absolute() if nightly_out else root,
            **options,  # type: ignore[arg-type]  # the dataclass checks the names
        )

    @property
    def uploads(self) -> Path:
        return self.out / UPLOADS
