from __future__ import annotations

from policy_archive.cli import main

raise SystemExit(main())
