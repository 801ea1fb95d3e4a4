"""`evalkit init [DIR]`: write a starter project that runs as is (starter_files.py)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_OK, UsageError, output_error
from .render import plain


def init_command(folder: str) -> int:
    from .starter_files import files

    root = Path(folder)
    planned = files()
    present = [name for name in planned if (root / name).exists()]
    if present:
        raise UsageError(f"{plain(root)} already has {', '.join(present)}: evalkit init "
                         "writes only new files\n  fix: choose an empty or new folder, e.g. "
                         "`evalkit init my-evals`")
    try:
        for name, text in planned.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise output_error(root, exc) from None
    where = "" if root.resolve() == Path.cwd().resolve() else f"cd {plain(root)}\n"
    click.echo(f"wrote {len(planned)} files to {plain(root)}: {', '.join(planned)}\n"
               "next:\n" + where +
               "evalkit run suites/starter.yaml -m llamacpp/gemma3-270m --label gemma\n"
               "evalkit run suites/starter.yaml -m python/starter_pipeline:answer "
               "-M path=pipelines --label pipeline\n"
               "evalkit compare gemma pipeline\n"
               "pytest\n"
               "(the embedded model needs pip install 'evalkit[local]'; evalkit doctor checks)")
    return EXIT_OK
