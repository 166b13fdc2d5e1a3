"""Intelligence to share: STIX 2.1 export of campaigns and import of a peer's indicators.

This package's root imports nothing from ``stix2``; the export and import modules need the
``intel`` extra.
"""
