"""Rebuild the real development set's folder from snapshots of its public repositories.

    .venv/bin/python benchmarks/realdev/rebuild.py                       # every truth file
    .venv/bin/python benchmarks/realdev/rebuild.py --out DIR --mirror DIR

The documents are never in git (they carry real company names and numbers): each truth file
here (licences.json, …) names them by repository, commit, path and sha256. A snapshot of a
repository is a bare git directory (default: /work/.mirror/<owner>+<name>/repo, or
$DOSSIER_MIRROR); `git show COMMIT:PATH` brings a document out, its sha256 is checked, and it
is written to <out>/<set>/<application>/<file> (default out: ~/.cache/dossier-realdev/set).

Every document is accounted for: written, already there, or missing with the reason (no
snapshot, commit or path not in it, sha256 differs). The exit code is 0 when all are there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_MIRROR = Path(os.environ.get("DOSSIER_MIRROR", "/work/.mirror"))
DEFAULT_OUT = Path(
    os.environ.get("DOSSIER_REALDEV", str(Path.home() / ".cache" / "dossier-realdev" / "set"))
)


def truth_files() -> list[Path]:
    return sorted(HERE.glob("*.json"))


def load(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["documents"])


def set_name(truth: Path) -> str:
    return truth.stem


def local_path(out: Path, truth: Path, doc: dict[str, Any]) -> Path:
    """Where a document of a truth file lives once rebuilt: one application per set."""
    return out / set_name(truth) / Path(doc["path"]).name


def git_dir(mirror: Path, repo: str) -> Path:
    owner, name = repo.split("/", 1)
    return mirror / f"{owner}+{name}" / "repo"


@dataclass
class Outcome:
    doc: str
    status: str  # written / present / missing
    reason: str = ""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rebuild_one(doc: dict[str, Any], target: Path, mirror: Path) -> Outcome:
    if target.is_file() and sha256(target.read_bytes()) == doc["sha256"]:
        return Outcome(doc["id"], "present")
    repo_dir = git_dir(mirror, doc["repo"])
    if not repo_dir.is_dir():
        return Outcome(doc["id"], "missing", f"no snapshot of {doc['repo']} at {repo_dir}")
    proc = subprocess.run(
        ["git", "--git-dir", str(repo_dir), "show", f"{doc['commit']}:{doc['path']}"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return Outcome(
            doc["id"],
            "missing",
            f"{doc['commit'][:10]}:{doc['path']} not in snapshot ({err[-1] if err else 'git failed'})",
        )
    got = sha256(proc.stdout)
    if got != doc["sha256"]:
        return Outcome(doc["id"], "missing", f"sha256 {got[:12]}… is not {doc['sha256'][:12]}…")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(proc.stdout)
    tmp.replace(target)
    return Outcome(doc["id"], "written")


def rebuild(out: Path, mirror: Path, truths: list[Path] | None = None) -> list[Outcome]:
    outcomes = []
    for truth in truths or truth_files():
        for doc in load(truth):
            outcomes.append(rebuild_one(doc, local_path(out, truth, doc), mirror))
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="folder to rebuild (outside git)")
    parser.add_argument("--mirror", default=str(DEFAULT_MIRROR), help="folder of git snapshots")
    args = parser.parse_args()
    outcomes = rebuild(Path(args.out), Path(args.mirror))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
        if o.status == "missing":
            print(f"  missing {o.doc}: {o.reason}")
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"{len(outcomes)} documents → {args.out}: {summary}")
    return 0 if not counts.get("missing") else 1


if __name__ == "__main__":
    sys.exit(main())
