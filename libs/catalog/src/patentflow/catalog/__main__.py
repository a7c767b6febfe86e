"""``python -m patentflow.catalog write|check DIR``: the generated contract files, with every service's receives."""

from __future__ import annotations

import sys

from patentflow.catalog import receives
from patentflow.contracts.schema import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], receives()))
