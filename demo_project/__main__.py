"""Start the demo: ``python -m demo_project [--port 8000]`` (``make demo`` runs this)."""

from __future__ import annotations

import sys

from demo_project.runner import main

if __name__ == "__main__":
    sys.exit(main())
