"""Deconfliction: read the hash sets victim-identification units exchange (Project VIC
VICS JSON, ICSE-style CSV), mark evidence already on a list, skip it unless asked.

Public API: `load_known(paths, category_map=None, process_known=False)` -> KnownHashSet,
`config_extra(set)` for ScanConfig.extra, the pure parsers `parse_vics(bytes)` and
`parse_icse(bytes)` (fuzzable: they raise only KnownHashError), and `split_note` to read
a match back from an item's stored note.
"""
from __future__ import annotations

from .icse import parse_icse
from .known import HashList, KnownHash, KnownHashError, KnownHashSet, Match, message
from .load import (MAX_LIST_BYTES, config_extra, for_config, load_category_map, load_known, mark_item,
                   parse_list, sniff_format, split_note)
from .vics import parse_vics

__all__ = ["KnownHash", "KnownHashSet", "KnownHashError", "HashList", "Match", "message", "parse_vics", "parse_icse",
           "parse_list", "sniff_format", "load_known", "load_category_map", "config_extra", "for_config", "mark_item",
           "split_note", "MAX_LIST_BYTES"]
