"""`python -m localarchive generate DIR` / `python -m localarchive serve DIR [--port P]`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from localarchive.server import LocalArchive
from localarchive.sites import write_demo_archive
from localarchive.warcs import warc_files

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localarchive", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write the demo policy sites as WARC files")
    generate.add_argument("dir", type=Path)
    serve = commands.add_parser("serve", help="serve a folder of WARC files like web.archive.org")
    serve.add_argument("dir", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    if args.command == "generate":
        if args.dir.exists() and not args.dir.is_dir():
            print(f"error: not a directory: {args.dir}", file=sys.stderr)
            return EXIT_USAGE
        try:
            manifest = write_demo_archive(args.dir)
        except OSError as exc:
            print(f"error: cannot write {args.dir}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        count = sum(len(v) for v in manifest.versions.values())
        print(
            f"wrote {len(manifest.files)} WARC files and manifest.json "
            f"({count} expected versions) to {args.dir}"
        )
        return 0

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s"
    )
    if not args.dir.is_dir():
        print(f"error: no such directory: {args.dir}", file=sys.stderr)
        return EXIT_USAGE
    if not warc_files(args.dir):
        print(f"error: no .warc.gz or .warc files in {args.dir}", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print(f"error: bad port {args.port}", file=sys.stderr)
        return EXIT_USAGE
    archive = LocalArchive(args.dir, host=args.host, port=args.port)
    try:
        archive.start()
    except OSError as exc:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    print(f"serving {len(archive.index)} captures at {archive.url} (Ctrl-C to stop)", flush=True)
    try:
        archive.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
