"""The `hazards` command line: a thin click layer over the library.

Each area registers its commands in its own module of this package (``cli/rules.py``,
``cli/recalls.py`` …); every module here is imported when the CLI starts, so adding a command
group is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from crawler import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hazards")
def main() -> None:
    """Find hazardous children's products and recalled goods on Korean-market shops.

    Example:

        hazards demo
    """


def _load_command_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


_load_command_modules()
