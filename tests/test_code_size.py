"""The library stays readable: no module over 500 lines, no function over 80 (bench/code_size.py)."""

import sys

from workflow_helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
import code_size  # noqa: E402


def test_no_module_or_function_over_the_limits():
    modules, functions = code_size.measure()
    assert [m for m in modules if m[0] > code_size.MODULE_LIMIT] == []
    assert [f for f in functions if f[0] > code_size.FUNCTION_LIMIT] == []
