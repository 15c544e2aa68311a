"""`dossier web` and `dossier user` (contract §3), registered on the main parser by
pipeline/cli.py through `add_commands(subparsers)`."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webdesk import vocab
from webdesk.settings import DEFAULT_MAX_UPLOAD, DEFAULT_OUT, Settings

if TYPE_CHECKING:  # loaded by the commands that use it, not by every `dossier` start
    from webdesk.desk import Desk

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _where(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help=f"输出目录：各批次的报告与上传的原件都在其中（默认 ./{DEFAULT_OUT}）",
    )
    p.add_argument(
        "--db",
        help="数据库 URL（默认 sqlite:///<输出目录>/dossier.db；PostgreSQL："
        "postgresql+psycopg://用户:密码@主机/库名）",
    )


def _size(text: str) -> int:
    """2G, 500M, 1073741824."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    text = text.strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"无法识别的大小：{text}（如 2G、500M）") from None


def add_commands(subparsers: Any) -> None:
    """Register `web` and `user` on the `dossier` parser's subparsers."""
    w = subparsers.add_parser("web", help="启动网页工作台（上传、进度、审核）")
    w.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机）")
    w.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    _where(w)
    w.add_argument(
        "--inbox",
        help="夜间收件箱（`dossier serve --inbox` 监视的文件夹）：“今晚处理”的批次移入其中"
        "（默认 <输出目录>/inbox）",
    )
    w.add_argument(
        "--nightly-out",
        help="夜间运行的报告目录（`dossier serve --out`，默认与输出目录相同）",
    )
    w.add_argument(
        "--max-upload",
        type=_size,
        default=DEFAULT_MAX_UPLOAD,
        help="单个批次的上传上限（默认 2G）",
    )
    w.add_argument(
        "--secure-cookies",
        action="store_true",
        help="会话 Cookie 只经 HTTPS 发送（在 TLS 反向代理之后运行时打开）",
    )
    w.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="信任其 X-Forwarded-For 头的反向代理地址（默认 127.0.0.1）",
    )
    w.set_defaults(run=cmd_web)

    u = subparsers.add_parser("user", help="管理网页工作台账户")
    actions = u.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="新建账户")
    add.add_argument("name", help="用户名")
    add.add_argument(
        "--role", required=True, choices=["city", "province"], help="city：市州；province：省厅"
    )
    add.add_argument("--city", help=f"市州账户所属市州（{'、'.join(vocab.cities())}）")
    add.add_argument(
        "--password-stdin", action="store_true", help="从标准输入读取密码（供脚本使用）"
    )
    _where(add)
    add.set_defaults(run=cmd_user_add)

    pw = actions.add_parser("passwd", help="重设密码（该用户的登录会话全部失效）")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    _where(pw)
    pw.set_defaults(run=cmd_user_passwd)

    for name, disabled, text in (("disable", True, "停用账户"), ("enable", False, "恢复账户")):
        d = actions.add_parser(name, help=text)
        d.add_argument("name")
        _where(d)
        d.set_defaults(run=cmd_user_disable, disabled=disabled)

    ls = actions.add_parser("list", help="列出账户")
    _where(ls)
    ls.set_defaults(run=cmd_user_list)


def _settings(args: argparse.Namespace, **options: Any) -> Settings:
    return Settings.make(out=Path(args.out), db_url=args.db, **options)


def _open(args: argparse.Namespace) -> Desk | None:
    from webdesk.db import DeskError
    from webdesk.desk import Desk

    try:
        return Desk(_settings(args))
    except DeskError as exc:
        _err(f"错误：{exc}")
        return None


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        _err("错误：没有终端可输入密码；脚本中请用 --password-stdin")
        return None
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次："):
        _err("错误：两次输入的密码不一致")
        return None
    return first


def _with_desk(args: argparse.Namespace, action: Callable[[Desk], None]) -> int:
    """Run one account command on the desk, closing it after; a DeskProblem is the user's
    mistake: said in one line, exit 2."""
    from webdesk.desk import DeskProblem

    desk = _open(args)
    if desk is None:
        return EXIT_BAD_INPUT
    try:
        action(desk)
    except DeskProblem as exc:
        _err(f"错误：{exc}")
        return EXIT_BAD_INPUT
    finally:
        desk.close()
    return EXIT_OK


def cmd_user_add(args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return EXIT_BAD_INPUT

    def add(desk: Desk) -> None:
        user = desk.add_user(args.name, args.role, args.city, password)
        where = f"（{user.city}）" if user.city else ""
        print(f"已创建账户 {user.name}：{vocab.label('roles', user.role)}{where}")

    return _with_desk(args, add)


def cmd_user_passwd(args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return EXIT_BAD_INPUT

    def passwd(desk: Desk) -> None:
        desk.set_password(args.name, password)
        print(f"已重设 {args.name} 的密码")

    return _with_desk(args, passwd)


def cmd_user_disable(args: argparse.Namespace) -> int:
    def disable(desk: Desk) -> None:
        desk.set_disabled(args.name, args.disabled)
        print(f"已{'停用' if args.disabled else '恢复'}账户 {args.name}")

    return _with_desk(args, disable)


def cmd_user_list(args: argparse.Namespace) -> int:
    def show(desk: Desk) -> None:
        for u in desk.users():
            state = "（已停用）" if u.disabled else ""
            print(f"{u.name}\t{vocab.label('roles', u.role)}\t{u.city or '—'}{state}")

    return _with_desk(args, show)


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from webdesk.app import create_app
    from webdesk.db import DeskError

    try:
        settings = _settings(
            args,
            inbox=args.inbox,
            nightly_out=args.nightly_out,
            max_upload_bytes=args.max_upload,
            secure_cookies=args.secure_cookies,
        )
        settings.out.mkdir(parents=True, exist_ok=True)
        app = create_app(settings)
    except (DeskError, OSError) as exc:
        _err(f"错误：{exc}")
        return EXIT_BAD_INPUT
    _err(
        f"网页工作台：http://{args.host}:{args.port}/ ，输出目录 {settings.out}，"
        f"夜间收件箱 {settings.inbox}；按 Ctrl-C 停止"
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level="warning",
        # Uploads arrive as many 8 MB requests: a slow link must not be cut in the middle.
        timeout_keep_alive=30,
    )
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`python -m webdesk.cli web …`: the same commands without pipeline/cli.py."""
    parser = argparse.ArgumentParser(prog="dossier")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
