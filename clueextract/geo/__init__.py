"""Offline geography helpers: GPS point -> place (GeoNames), UTC offset -> countries (tzdata)."""
from clueextract.geo.reverse import Place, reverse_geocode
from clueextract.geo.timezones import countries_for_offset

__all__ = ["Place", "reverse_geocode", "countries_for_offset"]
