"""Reading and writing the engine's YAML: sweep configs and each sweep's ``sweep.yaml``.

Both are read without aliases: a sweep config has no use for anchors and aliases, and
nested aliases expand without bound once the config is copied (a "billion laughs" file
of 700 bytes takes gigabytes), so the first alias is refused as the file is parsed,
before anything is built from it.
"""

from __future__ import annotations

import re

import yaml


class AliasError(yaml.YAMLError):
    """A YAML file uses an alias (``*name``)."""


class SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing the first alias it meets."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasError(
                f"line {event.start_mark.line + 1}: uses the YAML alias *{event.anchor}; a sweep "
                f"config has no use for anchors and aliases, and nested ones expand without "
                f"bound: write the values out")
        return super().compose_node(parent, index)


class ConfigLoader(SafeLoader):
    """YAML 1.1 loader that also reads `1e-4` as a float, as YAML 1.2 and W&B do."""


ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


class Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, writing a value twice rather than as an alias (so that
    ``SafeLoader`` always reads back what was written)."""

    def ignore_aliases(self, data):
        return True
