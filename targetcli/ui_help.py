"""Help texts of the kernel's attributes and parameters, kept as data in
ui_help.json: table -> name -> [type, help]; read once, when a node first
defines its configuration groups."""
import functools
import json
from importlib import resources


@functools.lru_cache(maxsize=None)
def _tables():
    text = resources.files('targetcli').joinpath('ui_help.json').read_text(encoding='utf-8')
    return json.loads(text)


@functools.lru_cache(maxsize=None)
def descriptions(table):
    """{name: (type, help)} of one table of ui_help.json; {} for None (shared by
    every node of a kind: not to be changed)."""
    if table is None:
        return {}
    return {name: tuple(row) for name, row in _tables()[table].items()}
