"""Where the shared dirty tables with their clean truth live, for the tests that read them.

CI clones the project next to ``shared/``; ``LLMDS_SHARED_DATA`` points
elsewhere (the tables are not part of the project).
"""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(os.environ.get("LLMDS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
