"""The generated navigation (badges, setup cells, prev/next links, README index) is up to date."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_navigation_is_up_to_date():
    result = subprocess.run([sys.executable, "tools/nav.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- test-command:start -->", 1)[1].split("<!-- test-command:end -->", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("```")]
    assert len(commands) == 1 and commands[0].endswith("pytest"), commands
    assert "test-command:start" in (ROOT / ".ci" / "run").read_text()
