"""The README's "From Python" example runs as written (from the repository root)."""
import os
import subprocess
import sys

from conftest import SOURCE_DIR


def readme_example():
    text = (SOURCE_DIR / "README.md").read_text()
    section = text[text.index("## From Python"):]
    start = section.index("```python\n") + len("```python\n")
    return section[start:section.index("```", start)]


def test_the_readme_example_runs_as_written(tmp_path):
    # A stand-in for the repository root, so that run.snap lands in tmp_path.
    (tmp_path / "examples").symlink_to(SOURCE_DIR / "examples")
    script = tmp_path / "example.py"
    script.write_text(readme_example())
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("mV") and "spikes, mean potential" in lines[0]
    assert lines[1].startswith("200 [")
    assert lines[2] == "[('unwired_input', 'soma', 'current'), ('invalid_config', 'soma', 'potential_tau')]"
    assert (tmp_path / "run.snap").exists()
