"""The ``mutualaid`` command line: a thin layer over the library."""
