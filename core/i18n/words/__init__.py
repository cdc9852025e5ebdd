"""Words of the console by area (one module per screen), merged into core.i18n at import.

Each module defines `KO` and `EN`, dicts keyed `area.thing`; a key may be defined once only.
"""
