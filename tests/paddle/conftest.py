"""The `--ocr paddleocr` tests run only where paddleocr is installed: `make test` runs them in
`.venv-paddle` (the main environment cannot hold it: paddlex pins another OpenCV)."""

from importlib.util import find_spec

# Not a skip: the main suite does not collect this folder, the paddle run collects only it,
# and there a missing paddleocr fails the run ("no tests collected").
collect_ignore_glob = [] if find_spec("paddleocr") else ["test_*.py"]
