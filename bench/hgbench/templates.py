"""Configuration files from bench/conf/*.in: @NAME@ placeholders, as in
CMake's configure_file, so nginx's and HAProxy's own $ and %[] stay as
they are."""

import re
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
_PLACEHOLDER = re.compile(r"@([A-Z0-9_]+)@")


def render(template_name, destination, **values):
    """Writes bench/conf/<template_name> with every @KEY@ replaced by
    values[KEY]; a placeholder without a value is an error."""
    text = (CONF_DIR / template_name).read_text()

    def substitute(match):
        key = match.group(1)
        if key not in values:
            raise KeyError(f"{template_name}: no value for @{key}@")
        return str(values[key])

    destination.write_text(_PLACEHOLDER.sub(substitute, text))
    return destination
